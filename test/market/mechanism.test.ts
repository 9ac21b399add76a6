import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { decodeBody, encodeBody } from '../../src/core/codec/body.js';
import { encodeCbor, type CborMap } from '../../src/core/codec/cbor.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { DecodeError } from '../../src/core/base/errors.js';
import {
  ALLOC_RULES,
  applyEdit,
  BASES,
  checkEdit,
  decodeMechanism,
  describeEdit,
  DISPUTE_PROCEDURES,
  encodeMechanism,
  mechanismToCbor,
  naiveMechanism,
  REWARD_RULES,
  type Mechanism,
} from '../../src/core/market/mechanism.js';
import {
  decodeSignedMechanism,
  mechanismBody,
  signedMechanismFromBody,
  signMechanism,
} from '../../src/core/market/signed.js';
import { crypto, seed } from '../helpers.js';

const edited: Mechanism = applyEdit(naiveMechanism(), {
  ops: [
    { clause: 'alloc', field: 'rule', value: 'scoring' },
    { clause: 'reward', field: 'rule', value: 'shapley' },
    { clause: 'reward', field: 'basis', value: 'delivery' },
    { clause: 'deposit', field: 'amount', value: 96_000 },
    { clause: 'slash.bad_work', field: 'bp', value: 10_000 },
    { clause: 'slash.no_delivery', field: 'bp', value: 5_000 },
    { clause: 'audit', field: 'rateBp', value: 250 },
    { clause: 'tier', field: 'required', value: 2 },
  ],
});

function mutate(m: Mechanism, f: (c: CborMap) => void): Uint8Array {
  const c = mechanismToCbor(m);
  f(c);
  return encodeCbor(c);
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('mechanism spec: canonical CBOR', () => {
  it('round-trips the naive and an edited spec byte for byte', () => {
    for (const m of [naiveMechanism(), edited]) {
      const bytes = encodeMechanism(m);
      expect(decodeMechanism(bytes)).toEqual(m);
      expect(encodeMechanism(decodeMechanism(bytes))).toEqual(bytes);
    }
    expect(edited.version).toBe(2);
    expect(edited.slashing).toEqual({ bad_work: 10_000, no_delivery: 5_000 });
  });

  it('round-trips arbitrary valid specs (property)', () => {
    const arb = fc.record({
      version: fc.integer({ min: 1, max: 1e9 }),
      alloc: fc.record({ rule: fc.constantFrom(...ALLOC_RULES), teamSize: fc.integer({ min: 1, max: 16 }) }),
      reward: fc.record({
        rule: fc.constantFrom(...REWARD_RULES),
        basis: fc.constantFrom(...BASES),
        poolBp: fc.integer({ min: 0, max: 10_000 }),
      }),
      deposit: fc.integer({ min: 0, max: 1e9 }),
      slashing: fc.record(
        { no_delivery: fc.integer({ min: 1, max: 10_000 }), bad_work: fc.integer({ min: 1, max: 10_000 }) },
        { requiredKeys: [] },
      ),
      audit: fc.record({ rateBp: fc.integer({ min: 0, max: 10_000 }) }),
      requiredTier: fc.integer({ min: 0, max: 4 }),
      dispute: fc.record({ procedure: fc.constantFrom(...DISPUTE_PROCEDURES), bond: fc.integer({ min: 0, max: 1e9 }) }),
    });
    fc.assert(
      fc.property(arb, (m) => {
        expect(decodeMechanism(encodeMechanism(m))).toEqual(m);
      }),
    );
  });

  it('rejects bad specs with typed errors', () => {
    const m = edited;
    expect(code(() => decodeMechanism(mutate(m, (c) => c.set(0, 2))))).toBe('BAD_VERSION');
    expect(code(() => decodeMechanism(mutate(m, (c) => c.set(9, 1))))).toBe('UNKNOWN_FIELD');
    expect(code(() => decodeMechanism(mutate(m, (c) => c.delete(4))))).toBe('MISSING_FIELD');
    expect(code(() => decodeMechanism(mutate(m, (c) => c.delete(8))))).toBe('MISSING_FIELD');
    expect(code(() => decodeMechanism(mutate(m, (c) => c.set(1, 0))))).toBe('BAD_VALUE');
    expect(code(() => decodeMechanism(mutate(m, (c) => c.set(7, 5))))).toBe('BAD_VALUE');
    expect(
      code(() =>
        decodeMechanism(
          mutate(m, (c) =>
            c.set(
              2,
              new Map([
                [0, 9],
                [1, 3],
              ]),
            ),
          ),
        ),
      ),
    ).toBe('BAD_VALUE'); // unknown allocation rule
    expect(
      code(() =>
        decodeMechanism(
          mutate(m, (c) =>
            c.set(
              2,
              new Map([
                [0, 0],
                [1, 0],
              ]),
            ),
          ),
        ),
      ),
    ).toBe('BAD_VALUE'); // team of 0
    expect(
      code(() =>
        decodeMechanism(
          mutate(m, (c) =>
            c.set(
              3,
              new Map([
                [0, 0],
                [1, 0],
                [2, 10_001],
              ]),
            ),
          ),
        ),
      ),
    ).toBe('BAD_VALUE');
    expect(
      code(() =>
        decodeMechanism(
          mutate(m, (c) =>
            c.set(5, [
              [1, 10_000],
              [0, 5_000],
            ]),
          ),
        ),
      ),
    ).toBe('BAD_VALUE'); // unsorted conditions
    expect(
      code(() =>
        decodeMechanism(
          mutate(m, (c) =>
            c.set(5, [
              [0, 5_000],
              [0, 6_000],
            ]),
          ),
        ),
      ),
    ).toBe('BAD_VALUE'); // repeated
    expect(code(() => decodeMechanism(mutate(m, (c) => c.set(5, [[0, 0]]))))).toBe('BAD_VALUE'); // a 0 bp condition has one encoding: absent
    expect(code(() => decodeMechanism(mutate(m, (c) => c.set(4, 'lots'))))).toBe('BAD_TYPE');
    expect(
      code(() =>
        decodeMechanism(
          mutate(m, (c) =>
            c.set(
              6,
              new Map([
                [0, 1],
                [1, 2],
              ]),
            ),
          ),
        ),
      ),
    ).toBe('UNKNOWN_FIELD');
    const bytes = encodeMechanism(m);
    expect(code(() => decodeMechanism(Uint8Array.of(...bytes, 0)))).toBe('TRAILING');
    // A non-canonical integer (deposit 96000 written in 8 bytes) is refused even though it decodes leniently.
    const long = toHex(bytes).replace('041a00017700', '041b0000000000017700');
    expect(long).not.toBe(toHex(bytes));
    expect(code(() => decodeMechanism(Uint8Array.from(Buffer.from(long, 'hex'))))).toBe('NON_CANONICAL');
    expect(() => encodeMechanism({ ...m, requiredTier: 7 })).toThrow(RangeError);
  });
});

describe('mechanism edits', () => {
  it('validate clause ids, fields and ranges', () => {
    expect(checkEdit({ ops: [{ clause: 'audit', field: 'rateBp', value: 500 }] })).toEqual({ ok: true });
    expect(checkEdit({ ops: [] }).ok).toBe(false);
    expect(checkEdit({ ops: [{ clause: 'audits', field: 'rateBp', value: 5 }] }).ok).toBe(false);
    expect(checkEdit({ ops: [{ clause: 'audit', field: 'rate', value: 5 }] }).ok).toBe(false);
    expect(checkEdit({ ops: [{ clause: 'audit', field: 'rateBp', value: 10_001 }] }).ok).toBe(false);
    expect(checkEdit({ ops: [{ clause: 'audit', field: 'rateBp', value: 0.5 }] }).ok).toBe(false);
    expect(checkEdit({ ops: [{ clause: 'alloc', field: 'rule', value: 'auction' }] }).ok).toBe(false);
    expect(checkEdit('drop table').ok).toBe(false);
    expect(() => applyEdit(naiveMechanism(), { ops: [{ clause: 'tier', field: 'required', value: 9 }] })).toThrow(
      RangeError,
    );
  });

  it('bump the version and describe themselves by clause', () => {
    const e = {
      ops: [
        { clause: 'dispute' as const, field: 'procedure', value: 'verified' },
        { clause: 'dispute' as const, field: 'bond', value: 2500 },
      ],
    };
    expect(describeEdit(naiveMechanism(), e)).toBe('dispute.procedure accept->verified; dispute.bond 0->2500');
    const m = applyEdit(naiveMechanism(), e);
    expect(m.version).toBe(2);
    expect(m.dispute).toEqual({ procedure: 'verified', bond: 2500 });
    expect(naiveMechanism().dispute).toEqual({ procedure: 'accept', bond: 0 }); // the original is untouched
    // Setting a slashing condition to 0 removes it, so the spec keeps one encoding.
    const s = applyEdit(edited, { ops: [{ clause: 'slash.no_delivery', field: 'bp', value: 0 }] });
    expect(s.slashing).toEqual({ bad_work: 10_000 });
    expect(decodeMechanism(encodeMechanism(s))).toEqual(s);
  });
});

describe('signed mechanism in a constraint declaration', () => {
  it('signs with COSE_Sign1, gossips as a constraint body and verifies', () => {
    const secret = seed('requester');
    const signed = signMechanism(crypto.signer, secret, edited);
    const body = mechanismBody(signed, ['market.mechanism'], 'task rules v2');
    const back = decodeBody(encodeBody(body), DEFAULT_LIMITS);
    const { mechanism, sign1 } = decodeSignedMechanism(signedMechanismFromBody(back));
    expect(mechanism).toEqual(edited);
    const pub = crypto.signer.publicKey(secret);
    expect(crypto.verifier.verify(pub, sign1.toBeSigned, sign1.signature)).toBe(true);
    // Signed by another key: the requester's key does not verify it.
    const forged = decodeSignedMechanism(signMechanism(crypto.signer, seed('mallory'), edited));
    expect(crypto.verifier.verify(pub, forged.sign1.toBeSigned, forged.sign1.signature)).toBe(false);
    expect(code(() => signedMechanismFromBody({ ...back, constraints: 'agentnet/mechanism/1:zz' }))).toBe('BAD_VALUE');
  });
});
