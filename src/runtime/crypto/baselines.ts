// Reference SigVerifiers used as test oracles and benchmark baselines (docs/conventions.md §9). noble's strict
// branch implements the project rule; node:crypto (OpenSSL) is cofactorless with lenient key
// decoding. The differences are measured in test/wasm/edge.test.ts and listed in docs/verification.md. The WASM kernel (src/runtime/wasm/ed25519.ts) is the production verifier.
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import type { SigItem, SigVerifier } from '../../core/base/ports.js';

/** DER SubjectPublicKeyInfo prefix for an Ed25519 key (RFC 8410 §4): SEQ{SEQ{OID 1.3.101.112}, BIT STRING}. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** node:crypto (OpenSSL) verification with one KeyObject cached per public key. */
export function nodeCryptoVerifier(opts: { maxCachedKeys?: number } = {}): SigVerifier {
  const maxKeys = opts.maxCachedKeys ?? 4096;
  const keys = new Map<string, KeyObject | null>();
  const keyOf = (pub: Uint8Array): KeyObject | null => {
    const id = Buffer.from(pub.buffer, pub.byteOffset, pub.length).toString('hex');
    let k = keys.get(id);
    if (k === undefined) {
      try {
        k = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
      } catch {
        k = null;
      } // OpenSSL refuses to import some encodings: that key verifies nothing
      if (keys.size >= maxKeys) keys.clear();
      keys.set(id, k);
    }
    return k;
  };
  const verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean => {
    if (pub.length !== 32 || sig.length !== 64) return false;
    const k = keyOf(pub);
    if (k === null) return false;
    try {
      return nodeVerify(null, msg, k, sig);
    } catch {
      return false;
    }
  };
  return {
    name: 'node-crypto',
    verify,
    verifyBatch: (items: readonly SigItem[]) => items.map((i) => verify(i.pub, i.msg, i.sig)),
  };
}

let nobleReady = false;
/** Set noble v3's synchronous SHA-512 from node:crypto (done here, in the runtime, once). */
function ensureNobleHash(): void {
  if (nobleReady) return;
  ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest());
  nobleReady = true;
}

/**
 * @noble/ed25519 v3 with { zip215: false }: canonical y < p, x = 0 with sign bit rejected, S < L,
 * small-order public keys rejected, cofactored equation: the project rule, with no measured
 * difference (test/wasm/edge.test.ts, wycheproof.test.ts, differential-noble-*.test.ts). The
 * default zip215: true would accept non-canonical encodings and small-order keys.
 */
export function nobleVerifier(): SigVerifier {
  ensureNobleHash();
  const verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean => {
    if (pub.length !== 32 || sig.length !== 64) return false;
    try {
      return ed.verify(sig, msg, pub, { zip215: false });
    } catch {
      return false;
    }
  };
  return {
    name: 'noble',
    verify,
    verifyBatch: (items: readonly SigItem[]) => items.map((i) => verify(i.pub, i.msg, i.sig)),
  };
}
