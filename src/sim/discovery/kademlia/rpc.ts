// Kademlia's RPC messages and its iterative lookup (Maymounkov & Mazières 2002, §2.3), for the
// discovery experiment's DHT baseline.
//
// Wire (the baselines' envelope, a CBOR array of byte strings, signed.ts `pack`):
//   [type(1 B), rpc id(4 B), sender id(32 B), sender addr(6 B), ...args]
// Every message carries its sender's contact, so the receiver updates its routing table (§2.2).
// A contact on the wire is 38 bytes: id (32) + address (6, the size of an IPv4 address and port, as in
// BitTorrent's compact node info; in the simulator it carries the node index).
//   PING / PONG
//   FIND_NODE target(32)          → NODES contacts(38 × ≤ k, concatenated)
//   FIND_VALUE key(32) tags(utf8, '\n'-joined; the wanted tags, a filter the holder applies)
//                                 → VALUES [birth, entry, body]×≤ MAX_VALUES, or NODES when it holds none
//   STORE key(32) birth entry body → STORED
//
// Lookup (§2.3): the shortlist starts from the k closest contacts the node knows; up to alpha RPCs are
// in flight at once, always to the closest candidates not yet asked among the k closest not known to
// have failed; each reply adds the contacts it names; an RPC that times out marks its contact failed.
// The lookup ends when the k closest non-failed candidates have all answered (or no candidate is left).
// This is the "keep alpha in flight" form used by most implementations; it asks the same nodes the
// paper's rounds would, without waiting for a whole round to finish.

import { idFromBytes, idToBytes, type Contact } from './routing.js';

export const PING = 1;
export const PONG = 2;
export const FIND_NODE = 3;
export const NODES = 4;
export const FIND_VALUE = 5;
export const VALUES = 6;
export const STORE = 7;
export const STORED = 8;
const ADDR_BYTES = 6;
const CONTACT_BYTES = 32 + ADDR_BYTES;

export interface Header {
  readonly type: number;
  readonly rpc: number;
  readonly from: Contact;
  readonly args: readonly Uint8Array[];
}

export function encodeHeader(type: number, rpc: number, from: Contact): Uint8Array[] {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, rpc >>> 0);
  return [Uint8Array.of(type), id, idToBytes(from.id), encodeAddr(from.addr)];
}

/** Parses the header of an unpacked message; undefined for anything malformed (a peer's bad message is a value). */
export function decodeHeader(parts: readonly Uint8Array[]): Header | undefined {
  if (parts.length < 4) return undefined;
  const [t, r, id, addr] = parts as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  if (t.length !== 1 || r.length !== 4 || id.length !== 32 || addr.length !== ADDR_BYTES) return undefined;
  return {
    type: t[0]!,
    rpc: new DataView(r.buffer, r.byteOffset, 4).getUint32(0),
    from: { id: idFromBytes(id), addr: decodeAddr(addr) },
    args: parts.slice(4),
  };
}

function encodeAddr(a: number): Uint8Array {
  if (!Number.isInteger(a) || a < 0 || a > 0xffffffff) throw new RangeError('encodeAddr: address must be a uint32');
  const out = new Uint8Array(ADDR_BYTES);
  new DataView(out.buffer).setUint32(0, a);
  return out;
}
const decodeAddr = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length).getUint32(0);

export function encodeContacts(cs: readonly Contact[]): Uint8Array {
  const out = new Uint8Array(cs.length * CONTACT_BYTES);
  cs.forEach((c, i) => {
    out.set(idToBytes(c.id), i * CONTACT_BYTES);
    out.set(encodeAddr(c.addr), i * CONTACT_BYTES + 32);
  });
  return out;
}

export function decodeContacts(b: Uint8Array): Contact[] | undefined {
  if (b.length % CONTACT_BYTES !== 0) return undefined;
  const out: Contact[] = [];
  for (let o = 0; o < b.length; o += CONTACT_BYTES)
    out.push({ id: idFromBytes(b.subarray(o, o + 32)), addr: decodeAddr(b.subarray(o + 32, o + CONTACT_BYTES)) });
  return out;
}

type State = 'new' | 'asked' | 'answered' | 'failed';

/** One iterative lookup's shortlist: a pure state machine (the node sends the RPCs and feeds back results). */
export class Lookup {
  private readonly cands = new Map<bigint, { readonly c: Contact; readonly d: bigint; state: State }>();
  private sorted: Array<{ readonly c: Contact; readonly d: bigint; state: State }> = [];
  private inFlight = 0;
  /** Set by the owner to stop early (a FIND_VALUE that got what it needed). */
  stopped = false;

  constructor(
    readonly target: bigint,
    private readonly self: bigint,
    private readonly k: number,
    private readonly alpha: number,
    seeds: readonly Contact[],
  ) {
    if (!Number.isInteger(alpha) || alpha < 1) throw new RangeError('Lookup: alpha must be a positive integer');
    this.add(seeds);
  }

  /** Adds contacts named in a reply (oneself and known ones are skipped). */
  add(cs: readonly Contact[]): void {
    let grew = false;
    for (const c of cs) {
      if (c.id === this.self || this.cands.has(c.id)) continue;
      const e = { c, d: c.id ^ this.target, state: 'new' as State };
      this.cands.set(c.id, e);
      this.sorted.push(e);
      grew = true;
    }
    if (grew) this.sorted.sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0));
  }

  /** The k closest candidates not known to have failed. */
  private top(): Array<{ readonly c: Contact; readonly d: bigint; state: State }> {
    const out = [];
    for (const e of this.sorted) {
      if (e.state === 'failed') continue;
      out.push(e);
      if (out.length === this.k) break;
    }
    return out;
  }

  /** Contacts to ask now (marked asked): the closest unasked ones among the top k, up to alpha in flight. */
  next(): Contact[] {
    if (this.stopped) return [];
    const out: Contact[] = [];
    for (const e of this.top()) {
      if (this.inFlight >= this.alpha) break;
      if (e.state !== 'new') continue;
      e.state = 'asked';
      this.inFlight++;
      out.push(e.c);
    }
    return out;
  }

  answered(id: bigint, named: readonly Contact[] = []): void {
    const e = this.cands.get(id);
    if (!e || e.state !== 'asked') return;
    e.state = 'answered';
    this.inFlight--;
    this.add(named);
  }

  failed(id: bigint): void {
    const e = this.cands.get(id);
    if (!e || e.state !== 'asked') return;
    e.state = 'failed';
    this.inFlight--;
  }

  /** Done when stopped, or nothing is in flight and every one of the top k has answered. */
  get done(): boolean {
    if (this.stopped) return true;
    if (this.inFlight > 0) return false;
    return this.top().every((e) => e.state === 'answered');
  }

  /** The closest contacts that answered, closest first (a FIND_NODE's result). */
  closest(n = this.k): Contact[] {
    return this.sorted
      .filter((e) => e.state === 'answered')
      .slice(0, n)
      .map((e) => e.c);
  }

  get asked(): number {
    return this.sorted.filter((e) => e.state !== 'new').length;
  }
}
