// Kademlia's XOR metric and k-bucket routing table (Maymounkov & Mazières, IPTPS 2002, §2.1-2.2),
// for the discovery experiment's DHT baseline. Pure bookkeeping: no timers, no network; the node
// (node.ts) asks it what to ping and tells it what answered or timed out.
//
//  - ids are 256-bit: a node's id is SHA-256 of its agent key, a value's key SHA-256 of a label
//    (the topic), both held as bigint so XOR and comparisons are native;
//  - d(a, b) = a XOR b; bucket i of node x holds contacts y with 2^i <= d(x, y) < 2^(i+1);
//  - a bucket holds at most k contacts, least recently seen first (§2.2). A message from a contact
//    moves it to the tail; a new contact joins a bucket that has room; if the bucket is full, its
//    head (the least recently seen) is pinged: if it answers it stays (moved to the tail) and the
//    newcomer is dropped, if it does not it is evicted and the newcomer takes its place. One
//    newcomer waits per bucket (the "replacement cache" of §4.1, size 1); later ones are dropped.

export const ID_BITS = 256;

export interface Contact {
  readonly id: bigint;
  /** The node's network address: in the simulator, its index (inbox topics `k?/{addr}`). */
  readonly addr: number;
}

/** Big-endian bytes → bigint (ids on the wire are 32 bytes). */
export function idFromBytes(b: Uint8Array): bigint {
  if (b.length !== ID_BITS / 8) throw new RangeError(`idFromBytes: need ${ID_BITS / 8} bytes, got ${b.length}`);
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}

export function idToBytes(x: bigint): Uint8Array {
  if (x < 0n || x >> BigInt(ID_BITS) !== 0n) throw new RangeError('idToBytes: id out of range');
  const out = new Uint8Array(ID_BITS / 8);
  for (let i = out.length - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

export const distance = (a: bigint, b: bigint): bigint => a ^ b;

/** Index of the bucket a contact at XOR distance d falls in: floor(log2 d); −1 for d = 0 (oneself). */
export function bucketIndex(d: bigint): number {
  if (d < 0n) throw new RangeError('bucketIndex: distance must be >= 0');
  if (d === 0n) return -1;
  // Bit length via the hex length, then the top nibble: O(words), no loop over 256 bits.
  const h = d.toString(16);
  return (h.length - 1) * 4 + (31 - Math.clz32(parseInt(h[0]!, 16)));
}

/** Contacts sorted by XOR distance to `target`, closest first (ids are distinct, so the order is total). */
export function byDistance<T extends Contact>(cs: Iterable<T>, target: bigint): T[] {
  return [...cs].sort((a, b) => {
    const da = a.id ^ target;
    const db = b.id ^ target;
    return da < db ? -1 : da > db ? 1 : 0;
  });
}

export class RoutingTable {
  /** buckets[i]: least recently seen first. */
  private readonly buckets: Contact[][] = Array.from({ length: ID_BITS }, () => []);
  /** Per full bucket, the newcomer waiting on its head's ping. */
  private readonly waiting = new Map<number, Contact>();

  constructor(
    readonly self: bigint,
    /** Bucket size k (the paper's 20). */
    readonly k: number,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError('RoutingTable: k must be a positive integer');
  }

  get size(): number {
    return this.buckets.reduce((a, b) => a + b.length, 0);
  }

  bucket(i: number): readonly Contact[] {
    return this.buckets[i] ?? [];
  }

  has(id: bigint): boolean {
    return this.buckets[bucketIndex(id ^ this.self)]?.some((c) => c.id === id) ?? false;
  }

  /**
   * A message came from `c`. Returns the contact to ping when `c` is new and its bucket is full
   * (the caller pings it and reports with `pingAnswered`/`pingFailed`), else undefined.
   */
  seen(c: Contact): Contact | undefined {
    const i = bucketIndex(c.id ^ this.self);
    if (i < 0) return undefined;
    const b = this.buckets[i]!;
    const at = b.findIndex((x) => x.id === c.id);
    if (at >= 0) {
      b.splice(at, 1);
      b.push(c);
      return undefined;
    }
    if (b.length < this.k) {
      b.push(c);
      return undefined;
    }
    if (this.waiting.has(i)) return undefined;
    this.waiting.set(i, c);
    return b[0];
  }

  /** The pinged head answered: it stays (its message already moved it to the tail); the newcomer is dropped. */
  pingAnswered(head: bigint): void {
    this.waiting.delete(bucketIndex(head ^ this.self));
  }

  /** The contact did not answer an RPC: it leaves the table; a waiting newcomer takes its place. */
  failed(id: bigint): void {
    const i = bucketIndex(id ^ this.self);
    if (i < 0) return;
    const b = this.buckets[i]!;
    const at = b.findIndex((x) => x.id === id);
    if (at >= 0) b.splice(at, 1);
    const w = this.waiting.get(i);
    if (w && b.length < this.k) {
      this.waiting.delete(i);
      if (!b.some((x) => x.id === w.id)) b.push(w);
    }
  }

  /** The n known contacts closest to target (oneself excluded). */
  closest(target: bigint, n: number): Contact[] {
    const all: Contact[] = [];
    for (const b of this.buckets) for (const c of b) all.push(c);
    return byDistance(all, target).slice(0, n);
  }

  /** Index of the lowest non-empty bucket (the closest neighbour's), or −1 when the table is empty. */
  nearestBucket(): number {
    return this.buckets.findIndex((b) => b.length > 0);
  }
}
