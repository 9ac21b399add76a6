// The runtime's CryptoPort: SHA-256/512 from node:crypto (OpenSSL), Ed25519 signing by node:crypto
// (OpenSSL; RFC 8032 signatures are deterministic, so they are byte-identical to @noble/ed25519's,
// which stays the reference oracle: test/unit/signer.test.ts), verification by the verifier the
// runtime selects (the WASM kernel by default, see wasm/). noble needs a synchronous SHA-512: it is
// configured once, here, from node:crypto; nothing in src/core touches noble's globals.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as nodeSign,
  type KeyObject,
} from 'node:crypto';
import * as ed from '@noble/ed25519';
import type { CryptoPort, SigSigner, SigVerifier } from '../core/base/ports.js';

const sha512 = (d: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(createHash('sha512').update(d).digest());
const sha256 = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest());
ed.hashes.sha512 = sha512;

export const nobleSigner: SigSigner = {
  publicKey: (secret) => ed.getPublicKey(secret),
  sign: (secret, msg) => ed.sign(msg, secret),
};

/** PKCS#8 prefix of an Ed25519 private key (RFC 8410 §7): the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Ed25519 signing by OpenSSL: ~15x noble's rate here (an append signs its entry, and a batch its
 * frontier). Key objects are cached per secret: a node signs with one or two keys. Public keys come from
 * OpenSSL too: noble's getPublicKey would build its base-point tables (about 1 MiB of heap kept for the
 * life of the process, 40 ms at the first call) in a node that otherwise never uses noble.
 */
export function makeNodeSigner(): SigSigner {
  const keys = new Map<string, KeyObject>();
  const keyOf = (secret: Uint8Array): KeyObject => {
    if (secret.length !== 32) throw new RangeError(`sign: secret must be 32 bytes, got ${secret.length}`);
    const id = Buffer.from(secret).toString('base64');
    let k = keys.get(id);
    if (!k) {
      if (keys.size >= 64) keys.clear();
      keys.set(
        id,
        (k = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secret]), format: 'der', type: 'pkcs8' })),
      );
    }
    return k;
  };
  return {
    publicKey: (secret) =>
      new Uint8Array(Buffer.from(createPublicKey(keyOf(secret)).export({ format: 'jwk' }).x!, 'base64url')),
    sign: (secret, msg) => new Uint8Array(nodeSign(null, msg, keyOf(secret))),
  };
}
export const nodeSigner = makeNodeSigner();

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
