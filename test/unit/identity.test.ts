import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { bindingToBeSigned, decodeBinding, encodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { checkBinding, computeBaid } from '../../src/core/identity/binding.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { crypto, DAY, identity, T0 } from '../helpers.js';

const alice = identity('alice');

describe('BAID binding (T2)', () => {
  it('a fresh binding verifies; baid commits to code, config, operator and salt', () => {
    const r = checkBinding(crypto, alice.binding, T0, DEFAULT_LIMITS);
    expect(r.ok).toBe(true);
    const b = decodeBinding(alice.binding, DEFAULT_LIMITS).binding;
    expect(toHex(b.baid)).toBe(toHex(computeBaid(crypto, b.codeHash, b.configDigest, b.operatorKey, b.salt)));
  });

  it('rejects a binding signed by an operator this node does not accept', () => {
    const accepted = new Set([toHex(crypto.signer.publicKey(identity('bob').operatorSecret))]);
    const r = checkBinding(crypto, alice.binding, T0, DEFAULT_LIMITS, accepted, toHex);
    expect(r).toMatchObject({ ok: false, reason: 'binding_invalid' });
  });

  it('rejects an expired or not-yet-valid binding', () => {
    expect(checkBinding(crypto, alice.binding, T0 + 366 * DAY, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      reason: 'binding_expired',
    });
    expect(checkBinding(crypto, alice.binding, T0 - 2 * DAY, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      reason: 'binding_expired',
    });
  });

  it('rejects a binding whose operator signature comes from another key (wrong operator)', () => {
    const s = decodeBinding(alice.binding, DEFAULT_LIMITS);
    const mallory = identity('mallory');
    const forged = encodeBinding(
      s.binding,
      crypto.signer.sign(mallory.operatorSecret, s.signers[0]!.toBeSigned),
      s.signers[1]!.signature,
    );
    expect(checkBinding(crypto, forged, T0, DEFAULT_LIMITS)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a tampered commitment even when re-signed by both keys', () => {
    const s = decodeBinding(alice.binding, DEFAULT_LIMITS);
    const tampered = { ...s.binding, codeHash: new Uint8Array(32) };
    const re = encodeBinding(
      tampered,
      crypto.signer.sign(alice.operatorSecret, bindingToBeSigned(tampered, tampered.operatorKey)),
      crypto.signer.sign(alice.agentSecret, bindingToBeSigned(tampered, tampered.agentKey)),
    );
    expect(checkBinding(crypto, re, T0, DEFAULT_LIMITS)).toMatchObject({ ok: false, reason: 'binding_invalid' });
  });

  it('malformed bytes are a reason, not an exception', () => {
    expect(checkBinding(crypto, new Uint8Array([0xff, 0x00]), T0, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('IdentityTiers', () => {
  it('T1 needs a cached T2 binding, valid at the object time and in scope', () => {
    const scoped = identity('scoped', { scope: ['data_analysis'] });
    const v = new IdentityTiers(crypto, DEFAULT_LIMITS, 4);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = crypto.signer.sign(scoped.agentSecret, msg);
    expect(v.checkSigned(scoped.agentKey, msg, sig, T0)).toMatchObject({ ok: false, reason: 'unknown_author' });
    expect(v.acceptBinding(scoped.binding, T0).ok).toBe(true);
    expect(v.checkSigned(scoped.agentKey, msg, sig, T0, 'data_analysis').ok).toBe(true);
    expect(v.checkSigned(scoped.agentKey, msg, sig, T0, 'creative_writing')).toMatchObject({
      ok: false,
      reason: 'out_of_scope',
    });
    expect(v.checkSigned(scoped.agentKey, msg, sig, T0 + 400 * DAY)).toMatchObject({
      ok: false,
      reason: 'binding_expired',
    });
    expect(v.checkSigned(scoped.agentKey, new Uint8Array([9]), sig, T0)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(v.counters).toEqual({ T0: 0, T1: 2, T2: 1, T3: 0, T4: 0 }); // T1 counts signature checks actually run
  });

  it('T0 is a bounded LRU of verified ids', () => {
    const v = new IdentityTiers(crypto, DEFAULT_LIMITS, 2);
    v.remember('a');
    v.remember('b');
    expect(v.seenBefore('a')).toBe(true); // refreshes a
    v.remember('c'); // evicts b
    expect(v.seenBefore('b')).toBe(false);
    expect(v.seenBefore('a')).toBe(true);
    expect(v.seenBefore('c')).toBe(true);
    expect(v.counters.T0).toBe(3);
    expect(() => new IdentityTiers(crypto, DEFAULT_LIMITS, 0)).toThrow(RangeError);
  });
});
