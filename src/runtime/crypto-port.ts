// The runtime's CryptoPort: SHA-256/512 and Ed25519 signing from node:crypto (OpenSSL), verification
// by the verifier the runtime selects (the WASM kernel by default, see wasm/). @noble/ed25519 is the
// strict fallback verifier and the signing oracle in tests; it needs a synchronous SHA-512, configured
// once, here, from node:crypto; nothing in src/core touches noble's globals.

import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import type { CryptoPort, SigSigner, SigVerifier } from '../core/ports.js';

const sha512 = (d: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(createHash('sha512').update(d).digest());
const sha256 = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest());
ed.hashes.sha512 = sha512;

export const nobleSigner: SigSigner = {
  publicKey: (secret) => ed.getPublicKey(secret),
  sign: (secret, msg) => ed.sign(msg, secret),
};

/** PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
/** The key object of each secret array, with the bytes it was made from (an array changed in place is re-read). */
const keys = new WeakMap<Uint8Array, { seed: Buffer; key: KeyObject }>();
function privateKey(secret: Uint8Array): KeyObject {
  const hit = keys.get(secret);
  if (hit && hit.seed.equals(secret)) return hit.key;
  if (secret.length !== 32) throw new RangeError(`Ed25519 secret must be 32 bytes, got ${secret.length}`);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secret]), format: 'der', type: 'pkcs8' });
  keys.set(secret, { seed: Buffer.from(secret), key });
  return key;
}

/**
 * RFC 8032 Ed25519 by OpenSSL: the same keys and signatures as noble (Ed25519 signing is deterministic; a
 * test checks them byte for byte), without noble's base-point tables, which cost a long-running node about
 * 1 MiB of heap and 40 ms at its first signature.
 */
export const nodeSigner: SigSigner = {
  publicKey: (secret) => new Uint8Array(Buffer.from(createPublicKey(privateKey(secret)).export({ format: 'jwk' }).x!, 'base64url')),
  sign: (secret, msg) => new Uint8Array(cryptoSign(null, msg, privateKey(secret))),
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
  return { sha256, sha512, signer: nodeSigner, verifier };
}

export const randomSecret = (): Uint8Array => new Uint8Array(randomBytes(32));
export { sha256, sha512 };
