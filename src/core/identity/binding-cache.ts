// The binding cache of the tiered verification (tiers.ts): what a cached, verified binding holds, how it is kept
// compact, and where bindings the cache does not hold are loaded from (the node's store).

import type { Binding } from '../codec/binding.js';

/**
 * Where verified bindings rest when the cache does not hold them (the node's store: every binding in it passed T2
 * when it arrived). Loaded on demand and verified again (T2) before use.
 */
export interface BindingSource {
  /** The latest stored binding of an agent key (hex). */
  bindingOf(agentKeyHex: string): Uint8Array | undefined;
  /** The stored binding whose SHA-256 is `hash`: the predecessor of a version whose baid the cache does not hold. */
  bindingWithHash(hash: Uint8Array): Uint8Array | undefined;
  /**
   * The stored bindings of a baid, latest version first (an index look-up). With it a binding the cache does not
   * hold is checked against its baid's latest stored version when it is loaded, so versions after the first need
   * not stay in memory; without it they are pinned (see `pinned`).
   */
  bindingsOfBaid?(baid: Uint8Array): ReadonlyArray<{ readonly version: number; readonly bytes: Uint8Array }>;
  /** Called just before a binding from the source is verified (the runtime answers signatures it verified before). */
  vouch?(bytes: Uint8Array): void;
}

export interface Known {
  readonly binding: Binding;
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  /** Set when a later version rotated to another key: signatures from then on are refused. */
  supersededAt?: number;
}

/**
 * A verified binding as the cache holds it: its byte fields, its encoded bytes and its hash copied into one buffer and
 * held as views of it (the decoder gives each byte string its own ArrayBuffer, about a dozen per binding, each with
 * its own overhead), so a cached binding costs about half the heap. Same values, so every check reads the same.
 */
export function compact(b: Binding, bytes: Uint8Array, hash: Uint8Array): Known {
  let size = bytes.length + hash.length;
  const fields = (o: object) => Object.values(o).filter((x): x is Uint8Array => x instanceof Uint8Array);
  for (const x of [...fields(b), ...fields(b.config)]) size += x.length;
  const buf = new Uint8Array(size);
  let off = 0;
  const put = (x: Uint8Array): Uint8Array => {
    buf.set(x, off);
    return buf.subarray(off, (off += x.length));
  };
  const copy = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v instanceof Uint8Array ? put(v) : v])) as T;
  const keptBytes = put(bytes);
  const keptHash = put(hash);
  return { binding: { ...copy(b), config: copy(b.config) }, bytes: keptBytes, hash: keptHash };
}
