import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeNodeSigner, nobleSigner, nobleStrictVerifier } from '../../src/runtime/crypto-port.js';

// The runtime signs with OpenSSL (node:crypto); noble is the reference (docs/conventions.md §9). RFC 8032 signing is
// deterministic, so the two must agree byte for byte on every key and message.
describe('node:crypto Ed25519 signer against the noble reference', () => {
  const signer = makeNodeSigner();
  it('same public key and same signature for random seeds and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 600 }), (seed, msg) => {
        expect(signer.publicKey(seed)).toEqual(nobleSigner.publicKey(seed));
        const sig = signer.sign(seed, msg);
        expect(sig).toEqual(nobleSigner.sign(seed, msg));
        expect(nobleStrictVerifier.verify(signer.publicKey(seed), msg, sig)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('RFC 8032 §7.1 test 1 (empty message)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    expect(Buffer.from(signer.sign(seed, new Uint8Array(0))).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('RFC 8032 §7.1 test 2: public key and signature', () => {
    const seed = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
    expect(Buffer.from(signer.publicKey(seed)).toString('hex')).toBe(
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    );
    expect(Buffer.from(signer.sign(seed, new Uint8Array([0x72]))).toString('hex')).toBe(
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    );
  });

  it('a secret of the wrong length is misuse', () => {
    expect(() => signer.publicKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => signer.sign(new Uint8Array(31), new Uint8Array(1))).toThrow(RangeError);
  });
});
