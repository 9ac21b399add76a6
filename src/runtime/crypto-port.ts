// The runtime's CryptoPort: SHA-256/512 from node:crypto (OpenSSL), Ed25519 signing by
// @noble/ed25519, verification by the verifier the runtime selects (the WASM kernel by default,
// see wasm/). noble needs a synchronous SHA-512: it is configured once, here, from node:crypto;
// nothing in src/core touches noble's globals.

import { createHash, randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import type { CryptoPort, SigSigner, SigVerifier } from '../core/ports.js';

const sha512 = (d: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(createHash('sha512').update(d).digest());
const sha256 = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest());
ed.hashes.sha512 = sha512;

export const nobleSigner: SigSigner = {
  publicKey: (secret) => ed.getPublicKey(secret),
  sign: (secret, msg) => ed.sign(msg, secret),
};

/**
 * noble's strict branch (RFC 8032 encodings, small-order A rejected). Used as the fallback verifier
 * when WASM is unavailable and as an oracle in tests; the acceptance rule set is in docs/verification.md.
 */
export const nobleStrictVerifier: SigVerifier = {
  name: 'noble',
  verify(pub, msg, sig) {
    if (pub.length !== 32 || sig.length !== 64) return false;
    try {
      return ed.verify(sig, msg, pub, { zip215: false });
    } catch {
      return false;
    }
  },
  verifyBatch(items) {
    return items.map((i) => this.verify(i.pub, i.msg, i.sig));
  },
};

export function makeCryptoPort(verifier: SigVerifier): CryptoPort {
  return { sha256, sha512, signer: nobleSigner, verifier };
}

export const randomSecret = (): Uint8Array => new Uint8Array(randomBytes(32));
export { sha256, sha512 };
