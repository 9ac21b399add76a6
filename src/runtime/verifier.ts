// The node's signature verifier: the WASM kernel (wasm/ed25519.ts) by default, noble's strict branch
// when the kernel cannot be loaded (both accept exactly the same set: docs/verification.md), wrapped for start-up:
// AgentCore.start re-verifies every known binding one signature at a time, and PrimedVerifier answers those checks
// from one batch computed ahead (verified-bindings.ts). Received messages do not go through this cache: the node
// core batch-verifies each received batch itself and keeps the answers by entry object for that batch
// (core/identity/batch-signatures.ts, docs/architecture.md §9).

import { createHash } from 'node:crypto';
import type { SigItem, SigVerifier } from '../core/base/ports.js';
import { nobleStrictVerifier } from './crypto-port.js';
import { loadEd25519Verifier, type Ed25519Kernel } from './wasm/ed25519.js';

const wasm = new Map<string, SigVerifier>();
let loadError: string | undefined;

/**
 * The WASM verifier, loaded once per process and kernel choice ('auto': the SIMD build when the engine
 * supports it, else the scalar one; 'scalar' for a profile with `wasm: baseline`); noble strict if
 * loading fails (the reason is kept).
 */
export function defaultVerifier(kernel: Ed25519Kernel | 'auto' = 'auto'): SigVerifier {
  const have = wasm.get(kernel);
  if (have) return have;
  try {
    const v = loadEd25519Verifier({ kernel });
    wasm.set(kernel, v);
    return v;
  } catch (e) {
    loadError = (e as Error).message;
  }
  return nobleStrictVerifier;
}

/** Why the WASM kernel is not in use, if it is not. */
export const verifierFallbackReason = (): string | undefined => loadError;

/**
 * The digest a signature is known by: SHA-256 over the lengths of the key and the signature, then the key,
 * the signature and the message. The lengths make the concatenation unambiguous, so one digest names
 * exactly one (pub, msg, sig) triple.
 */
export function sigDigest(it: SigItem): Buffer {
  const lens = Buffer.alloc(8);
  lens.writeUInt32BE(it.pub.length, 0);
  lens.writeUInt32BE(it.sig.length, 4);
  return createHash('sha256').update(lens).update(it.pub).update(it.sig).update(it.msg).digest();
}
const keyOf = (it: SigItem): string => sigDigest(it).toString('base64');

/**
 * A SigVerifier whose answers can be computed ahead in batches. `prime` verifies many signatures in one
 * `verifyBatch` call and remembers each answer until `verify` asks for it (then it is forgotten); a
 * signature that was not primed is verified on the spot. The answer is the inner verifier's either way.
 */
export class PrimedVerifier implements SigVerifier {
  readonly name: string;
  private readonly answers = new Map<string, boolean>();
  primed = 0;
  hits = 0;
  batches = 0;

  constructor(
    readonly inner: SigVerifier,
    /** Answers kept at most; beyond it the oldest are dropped (they are simply recomputed). */
    private readonly capacity = 4096,
  ) {
    this.name = inner.name;
  }

  /** Answers held and the capacity (status: cache occupancy). */
  occupancy(): { size: number; capacity: number } {
    return { size: this.answers.size, capacity: this.capacity };
  }

  /** `keepAll`: keep every answer even beyond the capacity (a known set that is about to be asked for). */
  prime(items: readonly SigItem[], keepAll = false): boolean[] {
    if (items.length === 0) return [];
    const results = this.inner.verifyBatch(items);
    this.batches++;
    this.primed += items.length;
    items.forEach((it, i) => {
      this.answers.set(keyOf(it), results[i]!);
      if (!keepAll && this.answers.size > this.capacity) this.answers.delete(this.answers.keys().next().value!);
    });
    return results;
  }

  /**
   * Answers "valid" for signatures this node verified before (their `sigDigest`s, from the start-up cache
   * in verified-bindings.ts); kept until asked for or `clear`. Only a triple with exactly that digest hits.
   */
  trust(digests: readonly Uint8Array[]): void {
    for (const d of digests)
      this.answers.set(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64'), true);
  }

  verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    if (this.answers.size > 0) {
      const k = keyOf({ pub, msg, sig });
      const a = this.answers.get(k);
      if (a !== undefined) {
        this.answers.delete(k);
        this.hits++;
        return a;
      }
    }
    return this.inner.verify(pub, msg, sig);
  }

  /** Primed answers are used here too: a binding's two signatures are checked as a batch of two. */
  verifyBatch(items: readonly SigItem[]): boolean[] {
    if (this.answers.size === 0) return this.inner.verifyBatch(items);
    const out: Array<boolean | undefined> = items.map((it) => {
      const k = keyOf(it);
      const a = this.answers.get(k);
      if (a === undefined) return undefined;
      this.answers.delete(k);
      this.hits++;
      return a;
    });
    const missing = items.filter((_, i) => out[i] === undefined);
    if (missing.length) {
      const r = this.inner.verifyBatch(missing);
      let j = 0;
      for (let i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = r[j++]!;
    }
    return out as boolean[];
  }

  /** Forgets answers nobody asked for (called once start-up is done). */
  clear(): void {
    this.answers.clear();
  }
}
