// The client side bound on incoming MQTT packets. MQTT 5 tells the broker the largest packet this client
// accepts (CONNECT property Maximum Packet Size) and a conforming broker drops larger publishes for it;
// MQTT 3.1.1 has no such property, and mqtt.js would read any packet whole into memory before handing it
// over (a 50 MB publish pinned about 100 MB of a node's memory for minutes). This stream sits between the
// socket and mqtt.js: it reads each packet's fixed header, passes packets within the bound through as
// they arrive, and skips a larger one as it streams in, holding at most its topic and packet id. A skipped
// QoS 1 publish is acknowledged (PUBACK), so the broker's in-flight window does not fill with it; the drop
// is reported (`onDrop`) and counted by the node as `oversized`. Nothing of a skipped packet reaches mqtt.js,
// so an oversize packet never makes mqtt.js close the connection (a retained one would do so on every
// reconnect).
//
// With `publish0` set, a QoS 0 PUBLISH within the bound does not go to mqtt.js either: its topic and payload are
// read here (mqtt-publish.ts) and handed to the caller, unless the reader leaves the packet to mqtt.js (then its
// bytes pass unchanged). Such a publish reaches the caller when the socket read that completes it is fed, so it
// can come before packets that preceded it in the stream and are still queued in mqtt.js (a SUBACK, a PUBACK,
// a PINGRESP): none of those carries anything the transport's messages depend on. A CONNACK always comes first,
// because with a clean session the broker sends publishes only after our SUBSCRIBE, which mqtt.js sends once it
// has handled the CONNACK.
//
// MQTT fixed header (MQTT 3.1.1 §2.2, MQTT 5 §2.1): byte 1 = type << 4 | flags, then the Remaining Length
// as a variable byte integer of 1 to 4 bytes. PUBLISH (type 3): flags bit 1-2 = QoS; the variable header
// starts with the topic (u16 length + UTF-8) and, for QoS > 0, the u16 packet id.

import { createConnection } from 'node:net';
import { Duplex } from 'node:stream';
import { readPublish0 } from './mqtt-publish.js';

/** A packet skipped for its size: the PUBLISH topic (undefined for other packet types) and its total size. */
export interface DroppedPacket {
  readonly type: number;
  readonly topic: string | undefined;
  readonly bytes: number;
}

const PUBLISH = 3;

/** A QoS 0 publish read by the bound: its topic and its payload (a copy, owned by the receiver). */
export interface ReadPublish {
  readonly topic: string;
  readonly payload: Buffer;
}

/** What one fed chunk yields: bytes for mqtt.js, acknowledgements to send, packets dropped, publishes read. */
export interface Fed {
  pass: Buffer[];
  acks: Buffer[];
  dropped: DroppedPacket[];
  publishes: ReadPublish[];
}

/** The byte-level state machine (no I/O): feed it what the socket read, get what may pass and what to send back. */
export class PacketBound {
  /** Fixed header bytes of the packet being started. */
  private head: number[] = [];
  /** Bytes of a packet within the bound still to pass through. */
  private passLeft = 0;
  /** Bytes of an oversize packet still to skip. */
  private skipLeft = 0;
  /** The oversize packet being skipped: type, QoS, total size, and its first bytes (topic, packet id). */
  private skipping: { type: number; qos: number; bytes: number; peek: number[]; want: number } | undefined;
  /** A QoS 0 publish cut by a chunk's end, being gathered whole: its bytes so far (fixed header first). */
  private gather: { buf: Buffer; at: number; headLen: number } | undefined;
  /** Once the stream is not MQTT (a Remaining Length over 4 bytes), everything passes: mqtt.js reports the error. */
  private broken = false;

  constructor(
    /** The largest packet accepted, bytes (fixed header included). */
    readonly maxPacket: number,
    /** The MQTT version of the connection, to read QoS 0 publishes here; undefined: every packet goes to mqtt.js. */
    readonly publish0?: 4 | 5,
  ) {
    if (!Number.isSafeInteger(maxPacket) || maxPacket < 64)
      throw new RangeError(`PacketBound: maxPacket must be an integer >= 64, got ${maxPacket}`);
  }

  /** What of `chunk` goes on to mqtt.js, the acknowledgements to send, the packets dropped and the publishes read. */
  feed(chunk: Buffer): Fed {
    const pass: Buffer[] = [];
    const acks: Buffer[] = [];
    const dropped: DroppedPacket[] = [];
    const publishes: ReadPublish[] = [];
    if (this.broken) return { pass: [chunk], acks, dropped, publishes };
    let i = 0;
    let from = -1; // start of the run of bytes passing through in this chunk
    let headStart = this.head.length ? -1 : 0; // where the fixed header began in this chunk (-1: in an earlier one)
    const flush = (to: number) => {
      if (from >= 0 && to > from) pass.push(chunk.subarray(from, to));
      from = -1;
    };
    while (i < chunk.length) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, chunk.length - i);
        if (from < 0) from = i;
        this.passLeft -= n;
        i += n;
        continue;
      }
      if (this.skipLeft > 0) {
        const s = this.skipping!;
        const n = Math.min(this.skipLeft, chunk.length - i);
        for (let k = i; k < i + n && s.peek.length < s.want; k++) {
          s.peek.push(chunk[k]!);
          // The topic length is known after 2 bytes: then the topic and, for QoS > 0, the packet id.
          if (s.peek.length === 2 && s.type === PUBLISH)
            s.want = 2 + ((s.peek[0]! << 8) | s.peek[1]!) + (s.qos > 0 ? 2 : 0);
        }
        this.skipLeft -= n;
        i += n;
        if (this.skipLeft === 0) this.finishSkip(acks, dropped);
        continue;
      }
      if (this.gather) {
        const g = this.gather;
        const n = Math.min(g.buf.length - g.at, chunk.length - i);
        chunk.copy(g.buf, g.at, i, i + n);
        g.at += n;
        i += n;
        if (g.at === g.buf.length) {
          this.gather = undefined;
          const r = readPublish0(g.buf, g.headLen, g.buf.length, this.publish0!);
          // The gathered buffer is the packet's own: the payload is a view of it, no copy.
          if (r) publishes.push({ topic: r.topic, payload: g.buf.subarray(r.payloadStart) });
          else pass.push(g.buf);
        }
        continue;
      }
      // A fixed header: the type byte, then the Remaining Length.
      if (this.head.length === 0) headStart = i;
      const b = chunk[i++]!;
      this.head.push(b);
      if (this.head.length < 2 || (b & 0x80 && this.head.length < 5)) continue;
      const head = this.head;
      this.head = [];
      if (b & 0x80) {
        // Not MQTT (a Remaining Length over 4 bytes): pass the rest unchanged, mqtt.js' parser reports it.
        this.broken = true;
        if (headStart >= 0) {
          if (from < 0) from = headStart;
        } else pass.push(Buffer.from(head));
        if (from < 0) from = i;
        flush(chunk.length);
        return { pass, acks, dropped, publishes };
      }
      let len = 0;
      for (let k = head.length - 1; k >= 1; k--) len = len * 128 + (head[k]! & 0x7f);
      const total = head.length + len;
      const type = head[0]! >> 4;
      if (total <= this.maxPacket && type === PUBLISH && ((head[0]! >> 1) & 3) === 0 && this.publish0) {
        flush(headStart >= 0 ? headStart : i);
        if (i + len <= chunk.length) {
          // The whole publish is in this chunk: read it in place, copy only the payload.
          const r = readPublish0(chunk, i, i + len, this.publish0);
          if (r) publishes.push({ topic: r.topic, payload: Buffer.from(chunk.subarray(r.payloadStart, i + len)) });
          else if (headStart >= 0) from = headStart;
          else {
            pass.push(Buffer.from(head));
            from = i;
          }
          i += len;
        } else {
          const buf = Buffer.allocUnsafe(total);
          buf.set(head, 0);
          this.gather = { buf, at: head.length, headLen: head.length };
        }
      } else if (total <= this.maxPacket) {
        if (headStart >= 0) {
          if (from < 0) from = headStart;
        } else {
          pass.push(Buffer.from(head)); // the header began in an earlier chunk
          from = i;
        }
        this.passLeft = len;
      } else {
        flush(headStart >= 0 ? headStart : 0);
        this.skipping = { type, qos: (head[0]! >> 1) & 3, bytes: total, peek: [], want: type === PUBLISH ? 2 : 0 };
        this.skipLeft = len;
      }
    }
    // A fixed header cut by the chunk's end is not passed yet: it goes on whole once its length is read.
    flush(this.head.length && headStart >= 0 ? headStart : i);
    return { pass, acks, dropped, publishes };
  }

  private finishSkip(acks: Buffer[], dropped: DroppedPacket[]): void {
    const s = this.skipping!;
    this.skipping = undefined;
    let topic: string | undefined;
    if (s.type === PUBLISH && s.peek.length >= 2 && s.peek.length === s.want) {
      const tl = (s.peek[0]! << 8) | s.peek[1]!;
      topic = Buffer.from(s.peek.slice(2, 2 + tl)).toString('utf8');
      // PUBACK (type 4, remaining length 2: the packet id; success) for QoS 1; QoS 2 is never granted by our
      // subscriptions (QoS 1), so a QoS 2 publish is only skipped.
      if (s.qos === 1) acks.push(Buffer.from([0x40, 0x02, s.peek[2 + tl]!, s.peek[3 + tl]!]));
    }
    dropped.push({ type: s.type, topic, bytes: s.bytes });
  }
}

/** Where QoS 0 publishes read by the bound go (PacketBound's `publish0`), for the connection's MQTT version. */
export interface Publish0Sink {
  readonly version: 4 | 5;
  readonly onPublish: (topic: string, payload: Buffer) => void;
}

/**
 * Wraps a connected MQTT byte stream (TLS or WebSocket) in a PacketBound: what mqtt.js reads from the
 * returned stream has no packet larger than `maxPacket`; what it writes goes to `inner` unchanged, and the
 * PUBACKs of skipped publishes go the same way, between mqtt.js' own packets (each written whole). With
 * `sink`, QoS 0 publishes go to it instead of mqtt.js.
 */
export function boundMqttStream(
  inner: Duplex,
  maxPacket: number,
  onDrop: (d: DroppedPacket) => void,
  sink?: Publish0Sink,
): Duplex {
  const bound = new PacketBound(maxPacket, sink?.version);
  const outer = over(inner);
  inner.on('data', (c: Buffer) => {
    if (!take(outer, bound.feed(c), onDrop, sink, false)) inner.pause();
  });
  return outer;
}

/**
 * A plain TCP connection to an MQTT broker under a PacketBound. The socket reads into one reused 64 KiB
 * buffer (net.connect `onread`): the bytes of a skipped packet are never allocated, so a burst of large
 * publishes leaves no garbage behind (with per-read buffers, 200 MB skipped left tens of MiB of a node's
 * memory in the allocator); what passes is copied out, and so is each publish's payload read for `sink`.
 */
export function boundMqttTcp(
  to: { host: string; port: number },
  maxPacket: number,
  onDrop: (d: DroppedPacket) => void,
  sink?: Publish0Sink,
): Duplex {
  const bound = new PacketBound(maxPacket, sink?.version);
  let outer: Duplex | undefined;
  const sock = createConnection({
    host: to.host,
    port: to.port,
    onread: {
      buffer: Buffer.allocUnsafe(64 * 1024),
      // False pauses the socket until the reader asks for more (outer's read() resumes it).
      callback: (n: number, buf: Uint8Array) =>
        take(outer!, bound.feed(Buffer.from(buf.buffer, buf.byteOffset, n)), onDrop, sink, true),
    },
  });
  outer = over(sock);
  return outer;
}

/**
 * Hands what a PacketBound let through to `outer` (copied when the read buffer is reused) and the publishes it
 * read to `sink` (their payloads are copies already); false: pause. A connection already torn down delivers
 * nothing more, as mqtt.js would not.
 */
function take(
  outer: Duplex,
  r: Fed,
  onDrop: (d: DroppedPacket) => void,
  sink: Publish0Sink | undefined,
  copy: boolean,
): boolean {
  let more = true;
  for (const p of r.pass) more = outer.push(copy ? Buffer.from(p) : p) && more;
  for (const a of r.acks) if (!outer.destroyed) outer.write(a);
  for (const d of r.dropped) onDrop(d);
  if (sink && !outer.destroyed) for (const m of r.publishes) sink.onPublish(m.topic, m.payload);
  return more;
}

/** A Duplex whose writes go to `inner` and whose end, close and errors follow inner's; reads are pushed by the caller. */
function over(inner: Duplex): Duplex {
  const outer = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      if (inner.write(chunk)) cb();
      else inner.once('drain', () => cb());
    },
    final(cb) {
      inner.end();
      cb();
    },
    destroy(err, cb) {
      inner.destroy();
      cb(err);
    },
    read() {
      inner.resume();
    },
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (e) => outer.destroy(e));
  inner.on('close', () => outer.destroy());
  return outer;
}
