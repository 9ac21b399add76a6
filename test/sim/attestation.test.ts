// T3 evidence of the simulated registry (src/sim/net/attestation.ts) as a node's IdentityTiers checks it: an operator
// with a credential reaches T3, evidence for another operator is refused and leaves the agent at T2.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { makeCryptoPort } from '../../src/runtime/crypto-port.js';
import { defaultVerifier } from '../../src/runtime/verifier.js';
import { simAttestation } from '../../src/sim/net/attestation.js';
import { SIM_EPOCH, simIdentity } from '../../src/sim/net/identities.js';

const c = makeCryptoPort(defaultVerifier());

describe('simulated T3 attestation', () => {
  it('verifies an attested operator to T3 and leaves an operator without a credential at T2', () => {
    const reg = simAttestation(c, 7);
    const now = SIM_EPOCH + 1000;
    const v = new IdentityTiers(c, DEFAULT_LIMITS);
    const a = simIdentity(c, 7, 0);
    const b = simIdentity(c, 7, 1);
    for (const x of [a, b]) expect(v.acceptBinding(x.binding, now).ok).toBe(true);
    const [ha, hb] = [toHex(a.agentKey), toHex(b.agentKey)];
    expect(v.tierOf(ha, now)).toBe(2);
    expect(v.attest(ha, reg.evidence(c.signer.publicKey(a.operatorSecret)), reg.trust, now).ok).toBe(true);
    expect(v.tierOf(ha, now)).toBe(3);
    // b presents a's credential: refused (another operator), b stays at T2.
    const wrong = v.attest(hb, reg.evidence(c.signer.publicKey(a.operatorSecret)), reg.trust, now);
    expect(wrong.ok).toBe(false);
    expect(v.tierOf(hb, now)).toBe(2);
    // A registry of another seed: its registrars and issuer are not the ones this node trusts.
    const other = simAttestation(c, 8);
    const foreign = v.attest(hb, other.evidence(c.signer.publicKey(b.operatorSecret)), reg.trust, now);
    expect(foreign.ok).toBe(false);
    expect(v.tierOf(hb, now)).toBe(2);
  });
});
