// The UDP mesh's neighbour table (docs/transports.md "The UDP mesh"): addresses heard from, when, and the will
// name each one's beacons carry, so that a neighbour gone silent is reported unreachable by that name (a local,
// unsigned hint: the mesh cannot sign a death) unless another live address carries the same name.

/** A neighbour whose beacons stopped this long ago is dropped at the next heartbeat (5 beacon intervals). */
export const NEIGHBOUR_TIMEOUT_MS = 5000;
/** Bound of the set of will names reported unreachable (beacons are unsigned: anyone can fill it). */
const LOST_MAX = 4096;

export class Neighbours {
  private readonly lastSeen = new Map<string, number>(); // "host:port" -> last heard
  private readonly willOf = new Map<string, string>(); // neighbour address -> the will name its beacons carry
  private readonly lost = new Set<string>(); // will names reported unreachable

  get size(): number {
    return this.lastSeen.size;
  }

  has(addr: string): boolean {
    return this.lastSeen.has(addr);
  }

  list(): string[] {
    return [...this.lastSeen.keys()];
  }

  /** `addr` spoke the mesh at `now` (an echo, a validated beacon). */
  heard(now: number, addr: string): void {
    this.lastSeen.set(addr, now);
  }

  /** An address from another node's beacon sample: a neighbour on probation (half a timeout already spent). */
  learned(now: number, addr: string): void {
    if (!this.lastSeen.has(addr)) this.lastSeen.set(addr, now - NEIGHBOUR_TIMEOUT_MS / 2);
  }

  /** `addr`'s beacon carries will name `name`; true when that name was reported unreachable and is back. */
  carries(addr: string, name: string): boolean {
    this.willOf.set(addr, name);
    return this.lost.delete(name);
  }

  /** Drops neighbours silent for NEIGHBOUR_TIMEOUT_MS; the will names now carried by no live address. */
  dropSilent(now: number): string[] {
    const gone: string[] = [];
    for (const [n, t] of this.lastSeen) {
      if (now - t <= NEIGHBOUR_TIMEOUT_MS) continue;
      this.lastSeen.delete(n);
      const w = this.willOf.get(n);
      this.willOf.delete(n);
      if (w && ![...this.willOf.values()].includes(w) && !this.lost.has(w)) {
        if (this.lost.size >= LOST_MAX) this.lost.delete(this.lost.values().next().value!);
        this.lost.add(w);
        gone.push(w);
      }
    }
    return gone;
  }
}
