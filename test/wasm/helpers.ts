// Shared fixtures for the WASM verifier tests: the verifiers under test and their oracles, key and
// signature generation, and an independent BigInt oracle of the project's acceptance rule.
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ed from '@noble/ed25519';
import type { SigItem, SigVerifier } from '../../src/core/base/ports.js';
import { loadEd25519Verifier } from '../../src/runtime/wasm/ed25519.js';
import { nobleVerifier, nodeCryptoVerifier } from '../../src/runtime/crypto/baselines.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
for (const f of ['build/ed25519.wasm', 'build/ed25519.simd.wasm'])
  if (!existsSync(resolve(root, f)))
    throw new Error(`${f} missing: run \`npm run build:wasm\` (npm test does it via pretest)`);

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The scalar kernel (build/ed25519.wasm): the fallback, and the oracle the SIMD build is held to. */
export const wasm: SigVerifier = loadEd25519Verifier({ kernel: 'scalar' });
/** The SIMD build (build/ed25519.simd.wasm), which `auto` selects on this engine. */
export const wasmSimd: SigVerifier = loadEd25519Verifier({ kernel: 'simd' });
/** Both kernels, for the suites that hold every path to the same expectations. */
export const kernels = [
  ['scalar', wasm],
  ['simd', wasmSimd],
] as const;
export const node: SigVerifier = nodeCryptoVerifier();
export const noble: SigVerifier = nobleVerifier(); // also sets ed.hashes.sha512

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
export interface Signer {
  seed: Uint8Array;
  pub: Uint8Array;
  key: KeyObject;
}
export function signerFromSeed(seed: Uint8Array): Signer {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const pub = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
  return { seed, pub, key };
}
export const signWith = (s: Signer, msg: Uint8Array): Uint8Array => new Uint8Array(nodeSign(null, msg, s.key));

/** Deterministic PRNG (xorshift128+ on BigInt-free 32-bit halves) so failures reproduce from the seed. */
export function prng(seed: number): (n: number) => Uint8Array {
  let a = seed >>> 0 || 1,
    b = 0x9e3779b9,
    c = 0x243f6a88,
    d = 0xb7e15162;
  const next = (): number => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 255;
    return out;
  };
}

// ---- Independent oracle of the acceptance rule (docs/verification.md), with noble's BigInt Point ----
export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const leToBig = (b: Uint8Array): bigint => {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
};
export const bigToLe = (x: bigint, n = 32): Uint8Array => {
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    o[i] = Number(x & 255n);
    x >>= 8n;
  }
  return o;
};
export const sha512 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** RFC 8032 §5.1.7 with S < L, canonical A and R (y < p, no x = 0 with sign bit), A not of small order, cofactored. */
export function ruleOracle(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 32 || sig.length !== 64) return false;
  const s = leToBig(sig.subarray(32));
  if (s >= L) return false;
  let A: ed.Point, R: ed.Point;
  try {
    A = ed.Point.fromBytes(pub, false); // zip215 = false: y < p, rejects x = 0 with sign bit
    R = ed.Point.fromBytes(sig.subarray(0, 32), false);
  } catch {
    return false;
  }
  if (A.clearCofactor().is0()) return false; // [8]A = O: small-order public key
  const k = leToBig(sha512(sig.subarray(0, 32), pub, msg)) % L;
  const lhs = ed.Point.BASE.multiplyUnsafe(s);
  return lhs.subtract(R).subtract(A.multiplyUnsafe(k)).clearCofactor().is0();
}

export { ed };
export type { SigItem, SigVerifier };

/**
 * Model of node:crypto (OpenSSL) Ed25519 verification, as measured in edge.test.ts: S < L; A decoded
 * leniently (y taken mod p, x = 0 with sign bit accepted); cofactorless check by comparing the
 * encoding of [S]B - [k]A with the received R bytes (so a non-canonical R never matches).
 */
export function openSslModel(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 32 || sig.length !== 64) return false;
  const s = leToBig(sig.subarray(32));
  if (s >= L) return false;
  let A: ed.Point;
  try {
    A = ed.Point.fromBytes(pub, true);
  } catch {
    return false;
  }
  const r = sig.subarray(0, 32);
  const k = leToBig(sha512(r, pub, msg)) % L;
  const q = ed.Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
  return toHex(q.toBytes()) === toHex(r);
}

/** A corpus of honest signatures from a pool of keys, and one-bit mutations of them (sig, msg or pub). */
export function corpus(seed: number, n: number, keys = 64): { valid: SigItem[]; mutated: SigItem[] } {
  const rnd = prng(seed);
  const signers = Array.from({ length: keys }, () => signerFromSeed(rnd(32)));
  const valid: SigItem[] = [],
    mutated: SigItem[] = [];
  for (let i = 0; i < n; i++) {
    const s = signers[i % keys]!;
    const msg = rnd(rnd(1)[0]! + (rnd(1)[0]! & 1 ? 0 : 60));
    const sig = signWith(s, msg);
    valid.push({ pub: s.pub, msg, sig });
    const which = i % 3;
    const m = { pub: s.pub.slice(), msg: msg.slice(), sig: sig.slice() };
    const target = which === 0 ? m.sig : which === 1 && m.msg.length > 0 ? m.msg : m.pub;
    const bit = (rnd(2)[0]! | (rnd(2)[1]! << 8)) % (target.length * 8);
    target[bit >> 3]! ^= 1 << (bit & 7);
    mutated.push(m);
  }
  return { valid, mutated };
}
