// Named counters of a node (status, metrics): rejections by reason and traffic by kind.

const BYTE_KEYS = ['headerBytesIn', 'headerBytesOut', 'bodyBytesIn', 'bodyBytesOut', 'directBytesOut'] as const;

export class Counters<R extends string = string> {
  private readonly values = new Map<string, number>();
  private readonly rejects: Map<R, number>;

  constructor(reasons: readonly R[]) {
    this.rejects = new Map(reasons.map((r) => [r, 0]));
  }

  add(name: string, n: number): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  reject(reason: R, n = 1): void {
    this.rejects.set(reason, (this.rejects.get(reason) ?? 0) + n);
  }

  /** Only the reasons seen so far, for readable status; `all` gives every reason (metrics). */
  rejected(all = false): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.rejects) if (all || v > 0) out[k] = v;
    return out;
  }

  bytes(): Record<(typeof BYTE_KEYS)[number], number> {
    return Object.fromEntries(BYTE_KEYS.map((k) => [k, this.get(k)])) as Record<(typeof BYTE_KEYS)[number], number>;
  }
}
