// Real cryptography, memoized across simulated nodes (docs/architecture.md §10).
//
// Every signature is a real Ed25519 signature and every hash a real SHA-256, from the CryptoPort the
// caller passes in (src/sim may not import node:crypto). What is shared is only the *answer* of a
// verification: the same (public key, message, signature) bytes verify the same on every node, so
// the second node to check them gets the first node's answer. The memo key is SHA-256 over the
// three inputs with their lengths, so different bytes never share an answer.

import type { CryptoPort, SigItem, SigVerifier } from '../../core/base/ports.js';
import { toHex } from '../../core/base/bytes.js';

export interface MemoStats {
  /** Real Ed25519 verifications performed. */
  verified: number;
  /** Verifications answered from the memo. */
  memoHits: number;
}

export function memoizedCrypto(c: CryptoPort, maxEntries = 1 << 20): { crypto: CryptoPort; stats: MemoStats } {
  const memo = new Map<string, boolean>();
  const stats: MemoStats = { verified: 0, memoHits: 0 };
  const keyOf = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): string => {
    const buf = new Uint8Array(8 + pub.length + sig.length + msg.length);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, pub.length);
    dv.setUint32(4, sig.length);
    buf.set(pub, 8);
    buf.set(sig, 8 + pub.length);
    buf.set(msg, 8 + pub.length + sig.length);
    return toHex(c.sha256(buf));
  };
  const verifier: SigVerifier = {
    name: `memo(${c.verifier.name})`,
    verify(pub, msg, sig) {
      const k = keyOf(pub, msg, sig);
      const hit = memo.get(k);
      if (hit !== undefined) {
        stats.memoHits++;
        return hit;
      }
      stats.verified++;
      const ok = c.verifier.verify(pub, msg, sig);
      if (memo.size >= maxEntries) memo.delete(memo.keys().next().value!); // FIFO bound on memory
      memo.set(k, ok);
      return ok;
    },
    verifyBatch(items: readonly SigItem[]) {
      return items.map((i) => this.verify(i.pub, i.msg, i.sig));
    },
  };
  return { crypto: { sha256: c.sha256, sha512: c.sha512, signer: c.signer, verifier }, stats };
}
