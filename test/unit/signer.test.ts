// The runtime signs with node:crypto (OpenSSL); noble is the reference. Ed25519 signing is deterministic
// (RFC 8032), so both must give the same public key and the same signature bytes for every seed and message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { nobleSigner, nobleStrictVerifier, nodeSigner } from '../../src/runtime/crypto-port.js';

describe('node:crypto Ed25519 signer', () => {
  it('matches noble byte for byte (keys and signatures)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        expect(toHex(nodeSigner.publicKey(seed))).toBe(toHex(nobleSigner.publicKey(seed)));
        const sig = nodeSigner.sign(seed, msg);
        expect(toHex(sig)).toBe(toHex(nobleSigner.sign(seed, msg)));
        expect(nobleStrictVerifier.verify(nodeSigner.publicKey(seed), msg, sig)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('an RFC 8032 test vector (TEST 2)', () => {
    const seed = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
    expect(toHex(nodeSigner.publicKey(seed))).toBe('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
    expect(toHex(nodeSigner.sign(seed, new Uint8Array([0x72])))).toBe('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00');
  });

  it('a secret array changed in place signs with its new bytes; a wrong-length secret is refused', () => {
    const seed = new Uint8Array(32).fill(1);
    const first = toHex(nodeSigner.publicKey(seed));
    seed.fill(2);
    expect(toHex(nodeSigner.publicKey(seed))).toBe(toHex(nobleSigner.publicKey(new Uint8Array(32).fill(2))));
    expect(toHex(nodeSigner.publicKey(seed))).not.toBe(first);
    expect(() => nodeSigner.sign(new Uint8Array(31), new Uint8Array(1))).toThrow(RangeError);
  });
});
