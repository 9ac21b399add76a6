// T2 chains and revocation, T3 attestation, T4 fork proofs (docs/architecture.md §6), each failure named.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import {
  checkpointToBeSigned,
  credentialToBeSigned,
  encodeCheckpoint,
  encodeCredential,
  encodeInclusion,
  encodeRevocation,
  revocationToBeSigned,
  type Checkpoint,
} from '../../src/core/codec/attest.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { makeBinding } from '../../src/core/identity/binding.js';
import { inclusionPath, leafHash, merkleRoot, verifyInclusion } from '../../src/core/identity/merkle.js';
import { DEFAULT_POLICY_CONFIG, makePolicy, requiredTier } from '../../src/core/identity/policy.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { crypto, DAY, seed, T0 } from '../helpers.js';

const c = crypto;
const pub = (s: Uint8Array) => c.signer.publicKey(s);
const op = seed('op');
const k1 = seed('k1');
const k2 = seed('k2');
const k3 = seed('k3');
const base = {
  operatorSecret: op,
  codeHash: seed('code'),
  config: {},
  salt: seed('salt').slice(0, 16),
  notBefore: T0 - DAY,
  notAfter: T0 + 100 * DAY,
};

/** v1 (key k1, committing to k2), v2 (rotation to k2, committing to k3). */
function chain() {
  const v1 = makeBinding(c, { ...base, agentSecret: k1, nextKeyHash: c.sha256(pub(k2)) });
  const v2 = makeBinding(c, {
    ...base,
    agentSecret: k2,
    version: 2,
    prev: c.sha256(v1.bytes),
    notBefore: T0,
    nextKeyHash: c.sha256(pub(k3)),
  });
  return { v1, v2 };
}

describe('T2: version chain, pre-rotation, revocation', () => {
  it('accepts a committed rotation and refuses the old key after it', () => {
    const { v1, v2 } = chain();
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    expect(v.acceptBinding(v1.bytes, T0).ok).toBe(true);
    expect(v.acceptBinding(v2.bytes, T0 + 1).ok).toBe(true);
    const m = new Uint8Array([1]);
    expect(v.checkSigned(pub(k1), m, c.signer.sign(k1, m), T0 - 10).ok).toBe(true); // history stays valid
    expect(v.checkSigned(pub(k1), m, c.signer.sign(k1, m), T0 + 10)).toMatchObject({
      ok: false,
      reason: 'binding_expired',
    });
    expect(v.checkSigned(pub(k2), m, c.signer.sign(k2, m), T0 + 10).ok).toBe(true);
    // The old key is retired, not a second live identity: tier 0 from the new version's notBefore on.
    expect([v.tierOf(toHex(pub(k1)), T0 - 10), v.tierOf(toHex(pub(k1)), T0 + 10)]).toEqual([2, 0]);
    expect([v.isRetired(toHex(pub(k1)), T0 + 10), v.isRetired(toHex(pub(k2)), T0 + 10)]).toEqual([true, false]);
    expect(v.tierOf(toHex(pub(k2)), T0 + 10)).toBe(2);
  });

  it('refuses a rotation to a key the previous version did not commit to', () => {
    const { v1 } = chain();
    const rogue = makeBinding(c, { ...base, agentSecret: k3, version: 2, prev: c.sha256(v1.bytes) });
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    v.acceptBinding(v1.bytes, T0);
    expect(v.acceptBinding(rogue.bytes, T0)).toMatchObject({
      ok: false,
      reason: 'binding_invalid',
      detail: expect.stringMatching(/pre-rotation/),
    });
  });

  it('refuses a broken version chain, an equivocating version and a chain gap; a supplied chain closes the gap', () => {
    const { v1, v2 } = chain();
    const broken = makeBinding(c, { ...base, agentSecret: k2, version: 2, prev: new Uint8Array(32) });
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    v.acceptBinding(v1.bytes, T0);
    expect(v.acceptBinding(broken.bytes, T0)).toMatchObject({
      ok: false,
      reason: 'binding_invalid',
      detail: expect.stringMatching(/broken version chain/),
    });
    const v3 = makeBinding(c, { ...base, agentSecret: k3, version: 3, prev: c.sha256(v2.bytes), notBefore: T0 + 5 });
    expect(v.acceptBinding(v3.bytes, T0 + 6)).toMatchObject({ ok: false, detail: expect.stringMatching(/chain gap/) });
    expect(v.acceptBinding(v3.bytes, T0 + 6, [v2.bytes]).ok).toBe(true);
    const twin = makeBinding(c, { ...base, agentSecret: k3, version: 3, prev: c.sha256(v2.bytes), notBefore: T0 + 7 });
    expect(v.acceptBinding(twin.bytes, T0 + 8)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/equivocation/),
    });
    expect(v.acceptBinding(v1.bytes, T0 + 8)).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('a signed revocation by the operator retires the key from its timestamp; a forged one is refused', () => {
    const { v1 } = chain();
    const b = decodeBinding(v1.bytes, DEFAULT_LIMITS).binding;
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    v.acceptBinding(v1.bytes, T0);
    const r = { operatorKey: b.operatorKey, baid: b.baid, agentKey: b.agentKey, reason: 'key leaked', ts: T0 + 100 };
    expect(
      v.acceptRevocation(encodeRevocation(r, c.signer.sign(seed('mallory'), revocationToBeSigned(r)))),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    const other = { ...r, operatorKey: pub(seed('mallory')) };
    expect(
      v.acceptRevocation(encodeRevocation(other, c.signer.sign(seed('mallory'), revocationToBeSigned(other)))),
    ).toMatchObject({ ok: false, reason: 'binding_invalid' });
    expect(v.acceptRevocation(encodeRevocation(r, c.signer.sign(op, revocationToBeSigned(r)))).ok).toBe(true);
    const m = new Uint8Array([7]);
    expect(v.checkSigned(pub(k1), m, c.signer.sign(k1, m), T0 + 99).ok).toBe(true);
    expect(v.checkSigned(pub(k1), m, c.signer.sign(k1, m), T0 + 100)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(v.tierOf(toHex(pub(k1)), T0 + 200)).toBe(0);
    expect(new IdentityTiers(c, DEFAULT_LIMITS).acceptRevocation(new Uint8Array([1, 2]))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('RFC 9162 Merkle inclusion proofs', () => {
  it('every leaf of trees of 1..33 leaves proves, and nothing else does', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => seed(`leaf${i}`));
      const root = merkleRoot(c, leaves);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(c, m, leaves);
        expect(verifyInclusion(c, leaves[m]!, m, n, path, root)).toBe(true);
        expect(verifyInclusion(c, seed('other'), m, n, path, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(c, leaves[m]!, (m + 1) % n, n, path, root)).toBe(false);
        if (path.length) expect(verifyInclusion(c, leaves[m]!, m, n, path.slice(1), root)).toBe(false);
      }
    }
  });

  it('hashes as RFC 9162 §2.1.1 says (leaf prefix 0x00, node prefix 0x01, empty tree)', () => {
    expect(toHex(merkleRoot(c, []))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const [a, b] = [seed('a'), seed('b')];
    expect(toHex(merkleRoot(c, [a]))).toBe(toHex(leafHash(c, a)));
    expect(toHex(merkleRoot(c, [a, b]))).toBe(
      toHex(c.sha256(new Uint8Array([1, ...leafHash(c, a), ...leafHash(c, b)]))),
    );
  });
});

describe('T3: attestation', () => {
  const regs = [seed('r1'), seed('r2'), seed('r3')];
  const issuer = seed('kyc');
  const leaves = [seed('x'), base.codeHash, seed('y'), seed('z'), seed('w')];
  const cp: Checkpoint = {
    registryId: 'agentnet-registry',
    treeSize: leaves.length,
    rootHash: merkleRoot(c, leaves),
    ts: T0,
  };
  const sigBy = (keys: Uint8Array[]) =>
    encodeCheckpoint(
      cp,
      keys.map((k) => ({ kid: pub(k), signature: c.signer.sign(k, checkpointToBeSigned(cp, pub(k))) })),
    );
  const cred = (issuerKey: Uint8Array, level = 2, expires = T0 + DAY) => {
    const x = { issuerKey: pub(issuerKey), operatorKey: pub(op), level, expires };
    return encodeCredential(x, c.signer.sign(issuerKey, credentialToBeSigned(x)));
  };
  const inclusion = (i: number) =>
    encodeInclusion({ leafIndex: i, treeSize: leaves.length, auditPath: inclusionPath(c, i, leaves) });
  const trust = {
    registrars: new Set(regs.map((r) => toHex(pub(r)))),
    threshold: 2,
    issuers: new Set([toHex(pub(issuer))]),
    minLevel: 2,
  };
  const agent = () => {
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    v.acceptBinding(chain().v1.bytes, T0);
    return v;
  };
  const a = toHex(pub(k1));

  it('passes with 2 of 3 registrars, an inclusion proof of the codeHash and a trusted credential', () => {
    const v = agent();
    expect(v.tierOf(a, T0)).toBe(2);
    expect(
      v.attest(a, { checkpoint: sigBy(regs.slice(0, 2)), inclusion: inclusion(1), credential: cred(issuer) }, trust, T0)
        .ok,
    ).toBe(true);
    expect(v.tierOf(a, T0)).toBe(3);
  });

  it.each([
    [
      'a checkpoint signed by too few registrars',
      () => ({ checkpoint: sigBy([regs[0]!, seed('untrusted')]), inclusion: inclusion(1), credential: cred(issuer) }),
      /1 trusted registrars, 2 required/,
    ],
    [
      'an inclusion proof for another leaf',
      () => ({ checkpoint: sigBy(regs), inclusion: inclusion(2), credential: cred(issuer) }),
      /not in the checkpoint tree/,
    ],
    [
      'an untrusted KYC issuer',
      () => ({ checkpoint: sigBy(regs), inclusion: inclusion(1), credential: cred(seed('fake-kyc')) }),
      /untrusted issuer/,
    ],
    [
      'an expired credential',
      () => ({ checkpoint: sigBy(regs), inclusion: inclusion(1), credential: cred(issuer, 2, T0 - 1) }),
      /expired/,
    ],
    [
      'a credential below the level',
      () => ({ checkpoint: sigBy(regs), inclusion: inclusion(1), credential: cred(issuer, 1) }),
      /level 1 < 2/,
    ],
  ])('fails on %s', (_n, ev, re) => {
    const v = agent();
    expect(v.attest(a, ev(), trust, T0)).toMatchObject({
      ok: false,
      reason: 'attestation_failed',
      detail: expect.stringMatching(re),
    });
    expect(v.tierOf(a, T0)).toBe(2);
  });

  it('runs pluggable extra verifiers (e.g. a ZK execution proof checker)', () => {
    const v = agent();
    const ev = { checkpoint: sigBy(regs), inclusion: inclusion(1), credential: cred(issuer) };
    expect(
      v.attest(
        a,
        ev,
        { ...trust, extra: [() => ({ ok: false, reason: 'attestation_failed', detail: 'zk proof missing' })] },
        T0,
      ),
    ).toMatchObject({ ok: false, detail: 'zk proof missing' });
  });
});

describe('T4: fork proofs', () => {
  const e = (text: number): Uint8Array => {
    const x: Entry = {
      author: pub(k1),
      topic: 't',
      epoch: 0,
      seq: 4,
      prev: new Uint8Array(32),
      kind: 'state',
      ts: T0,
      expires: T0 + text + 1,
      bodyHash: new Uint8Array(32),
      bodyLen: 1,
      sketch: new Uint8Array(32),
      tier: 2,
    };
    return encodeEntry(x, c.signer.sign(k1, entryToBeSigned(x)));
  };
  it('a verified fork proof quarantines the author and is handed to trust once', () => {
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    expect(v.intakeForkProof(e(1), e(1))).toMatchObject({ ok: false });
    expect(v.intakeForkProof(e(1), e(2)).ok).toBe(true);
    expect(v.intakeForkProof(e(2), e(1)).ok).toBe(true);
    expect(v.isQuarantined(toHex(pub(k1)))).toBe(true);
    expect(v.pollFraud()).toMatchObject({ kind: 'fork', seq: 4 });
    expect(v.pollFraud()).toBeUndefined();
  });
});

describe('verification policy', () => {
  it('maps interactions to tiers; high-value bids need T3; T1 is the floor for signed data', () => {
    expect(requiredTier(DEFAULT_POLICY_CONFIG, 'header')).toBe(1);
    expect(requiredTier(DEFAULT_POLICY_CONFIG, 'bid', 10)).toBe(2);
    expect(requiredTier(DEFAULT_POLICY_CONFIG, 'bid', 5000)).toBe(3);
    expect(requiredTier(DEFAULT_POLICY_CONFIG, 'dispute')).toBe(4);
    expect(() => makePolicy({ header: 0 })).toThrow(RangeError);
    expect(makePolicy({ header: 2 }).tiers.header).toBe(2);
  });
});
