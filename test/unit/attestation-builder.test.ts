// The T3 evidence builder (src/core/identity/attestation-builder.ts) against the verifier the runtime uses
// (IdentityTiers.attest, src/core/identity/attestation.ts): what it builds lifts an agent to T3, and one flipped byte
// in any of its signatures is refused with the check that broke named.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { decodeCheckpoint, decodeCredential } from '../../src/core/codec/attest.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import type { AttestationEvidence } from '../../src/core/identity/attestation.js';
import { attestationRegistry } from '../../src/core/identity/attestation-builder.js';
import { makeBinding } from '../../src/core/identity/binding.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { crypto as c, DAY, seed, T0 } from '../helpers.js';

const pub = (s: Uint8Array) => c.signer.publicKey(s);
const op = seed('op');
const agent = seed('agent');
const codeHash = seed('code');
const leaves = [seed('x'), seed('y'), codeHash, seed('z'), seed('w')];
const registry = attestationRegistry(c, {
  registryId: 'builder-test',
  leaves,
  ts: T0 - DAY,
  registrars: [seed('r1'), seed('r2'), seed('r3')],
  threshold: 2,
  issuer: seed('kyc'),
  level: 2,
});
const agentHex = toHex(pub(agent));
const evidence = () => registry.evidence(2, pub(op), T0 + DAY);

/** A verifier holding the agent's binding (T2). */
function verifier(): IdentityTiers {
  const v = new IdentityTiers(c, DEFAULT_LIMITS);
  const b = makeBinding(c, {
    operatorSecret: op,
    agentSecret: agent,
    codeHash,
    config: {},
    salt: seed('salt').slice(0, 16),
    notBefore: T0 - DAY,
    notAfter: T0 + 100 * DAY,
  });
  expect(v.acceptBinding(b.bytes, T0).ok).toBe(true);
  expect(v.tierOf(agentHex, T0)).toBe(2);
  return v;
}

/** The evidence is refused as `attestation_failed` with `detail`, and the agent stays at T2. */
function expectRefused(ev: AttestationEvidence, detail: RegExp): void {
  const v = verifier();
  expect(v.attest(agentHex, ev, registry.trust, T0)).toMatchObject({ ok: false, reason: 'attestation_failed', detail });
  expect(v.tierOf(agentHex, T0)).toBe(2);
}

/** A copy of `bytes` with the first byte of the embedded signature `sig` flipped. */
function flipSignature(bytes: Uint8Array, sig: Uint8Array): Uint8Array {
  const at = Buffer.from(bytes).indexOf(Buffer.from(sig));
  expect(at).toBeGreaterThanOrEqual(0);
  const out = bytes.slice();
  out[at]! ^= 1;
  return out;
}

describe('attestationRegistry', () => {
  it('builds evidence that IdentityTiers.attest accepts: the agent reaches T3', () => {
    const { checkpoint, signers } = decodeCheckpoint(registry.checkpoint);
    expect(checkpoint.treeSize).toBe(leaves.length);
    expect(signers).toHaveLength(2);
    expect(registry.trust.registrars.size).toBe(3);
    const v = verifier();
    expect(v.attest(agentHex, evidence(), registry.trust, T0)).toEqual({ ok: true });
    expect(v.tierOf(agentHex, T0)).toBe(3);
  });

  it.each([
    [
      'a registrar signature of the checkpoint',
      (ev: AttestationEvidence) => ({
        ...ev,
        checkpoint: flipSignature(ev.checkpoint, decodeCheckpoint(ev.checkpoint).signers[1]!.signature),
      }),
      /1 trusted registrars, 2 required/,
    ],
    [
      "the issuer's signature of the credential",
      (ev: AttestationEvidence) => ({
        ...ev,
        credential: flipSignature(ev.credential, decodeCredential(ev.credential).signature),
      }),
      /credential signature does not verify/,
    ],
  ])('refuses the evidence when one byte of %s is flipped', (_what, tamper, detail) =>
    expectRefused(tamper(evidence()), detail),
  );

  it('refuses an inclusion proof of another leaf and a credential past its expiry', () => {
    expectRefused({ ...evidence(), inclusion: registry.inclusion(1) }, /not in the checkpoint tree/);
    expectRefused(registry.evidence(2, pub(op), T0 - 1), /credential expired/);
  });

  it('refuses a threshold outside 1..registrars', () => {
    const o = { registryId: 'x', leaves, ts: T0, registrars: [seed('r1')], issuer: seed('kyc'), level: 2 };
    expect(() => attestationRegistry(c, { ...o, threshold: 0 })).toThrow(RangeError);
    expect(() => attestationRegistry(c, { ...o, threshold: 2 })).toThrow(RangeError);
  });
});
