// The UDP LAN mesh's bytes (docs/spec/channels.md "UDP LAN mesh"): frames, the message payload and reassembly.
// Pure data: no sockets, no clock (times come in as `now`). All integers are big-endian.
//
// Frame (one datagram): u8 type | u8 ttl | 8-byte message id | u16 chunk index | u16 chunk count | payload chunk
// Message payload (after reassembly): u8 channel byte (the channel table's `wire`, core/channels.ts) |
//   u8 key length | key (UTF-8) | u32 expiryS | bytes

import { CHANNEL_WIRE, channelOfWire, type Channel } from '../channels.js';

export const T_BEACON = 1;
export const T_PUSH = 2;
export const T_PULL = 3;
export const T_RETAINED = 4;
export const T_CHALLENGE = 5;
export const T_ECHO = 6;
/** Largest datagram payload. */
export const MTU = 1200;
/** Frame header bytes. */
export const HEADER = 14;
/** Payload bytes per chunk. */
export const CHUNK = MTU - HEADER;
/** Cookie: u32 time bucket | first 12 bytes of a MAC over ("host:port", bucket). */
export const COOKIE = 16;

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Frame {
  readonly type: number;
  readonly ttl: number;
  readonly id: Uint8Array;
  readonly idx: number;
  readonly count: number;
  readonly chunk: Uint8Array;
}

export interface MeshMessage {
  readonly channel: Channel;
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly expiryS: number;
}

/** The frames carrying `payload` under message id `id` (at least one, each at most MTU bytes). */
export function encodeFrames(type: number, ttl: number, id: Uint8Array, payload: Uint8Array): Uint8Array[] {
  const count = Math.max(1, Math.ceil(payload.length / CHUNK));
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const part = payload.subarray(i * CHUNK, (i + 1) * CHUNK);
    const f = new Uint8Array(HEADER + part.length);
    const v = new DataView(f.buffer);
    f[0] = type;
    f[1] = ttl;
    f.set(id.subarray(0, 8), 2);
    v.setUint16(10, i);
    v.setUint16(12, count);
    f.set(part, HEADER);
    out.push(f);
  }
  return out;
}

/** A frame's fields, or undefined when it is shorter than a header. The chunk is a view into `f`. */
export function decodeFrame(f: Uint8Array): Frame | undefined {
  if (f.length < HEADER) return undefined;
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  return {
    type: f[0]!,
    ttl: f[1]!,
    id: f.subarray(2, 10),
    idx: v.getUint16(10),
    count: v.getUint16(12),
    chunk: f.subarray(HEADER),
  };
}

/** A message payload; a key over 255 bytes is misuse (RangeError). */
export function encodeMessage(channel: Channel, key: string, bytes: Uint8Array, expiryS: number): Uint8Array {
  const k = enc.encode(key);
  if (k.length > 255) throw new RangeError('udp transport: key longer than 255 bytes');
  const b = new Uint8Array(2 + k.length + 4 + bytes.length);
  b[0] = CHANNEL_WIRE[channel];
  b[1] = k.length;
  b.set(k, 2);
  new DataView(b.buffer).setUint32(2 + k.length, Math.min(0xffffffff, Math.max(0, Math.floor(expiryS))));
  b.set(bytes, 6 + k.length);
  return b;
}

/** A message payload's fields, or undefined when it is too short or names no channel. `bytes` is a copy. */
export function decodeMessage(b: Uint8Array): MeshMessage | undefined {
  if (b.length < 6) return undefined;
  const channel = channelOfWire(b[0]!);
  const kl = b[1]!;
  if (channel === undefined || b.length < 6 + kl) return undefined;
  return {
    channel,
    key: dec.decode(b.subarray(2, 2 + kl)),
    expiryS: new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(2 + kl),
    bytes: new Uint8Array(b.subarray(6 + kl)), // a copy: the datagram's buffer is not ours to keep
  };
}

export const utf8Text = (b: Uint8Array): string => dec.decode(b);

/** Messages larger than one chunk, being put together by (sender address, message id), within a byte budget. */
export class Reassembly {
  private readonly partial = new Map<string, { chunks: Uint8Array[]; got: number; at: number; bytes: number }>();
  private held = 0;

  /** `budget`: bytes held by all partial messages together (the oldest dropped beyond it). */
  constructor(private readonly budget: number) {}

  /** Adds a chunk of message `key`; the whole payload when this chunk completed it. */
  add(now: number, key: string, idx: number, count: number, chunk: Uint8Array): Uint8Array | undefined {
    let p = this.partial.get(key);
    if (!p) {
      if (this.partial.size > 256) this.drop(this.partial.keys().next().value!);
      this.partial.set(key, (p = { chunks: new Array<Uint8Array>(count), got: 0, at: now, bytes: 0 }));
    }
    if (p.chunks.length !== count || p.chunks[idx]) return undefined;
    p.chunks[idx] = new Uint8Array(chunk);
    p.bytes += chunk.length;
    this.held += chunk.length;
    while (this.held > this.budget && this.partial.size > 1) this.drop(this.partial.keys().next().value!); // oldest first
    if (++p.got < count) return undefined;
    this.drop(key);
    const out = new Uint8Array(p.bytes);
    let at = 0;
    for (const c of p.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** Drops messages that started more than `maxAgeMs` ago. */
  expire(now: number, maxAgeMs: number): void {
    for (const [k, p] of this.partial) if (now - p.at > maxAgeMs) this.drop(k);
  }

  private drop(k: string): void {
    this.held -= this.partial.get(k)?.bytes ?? 0;
    this.partial.delete(k);
  }
}
