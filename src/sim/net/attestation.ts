// T3 evidence for simulated identities (docs/architecture.md §6; built by src/core/identity/attestation-builder.ts,
// checked by src/core/identity/attestation.ts): a code registry whose checkpoint is signed by k of n simulated
// registrars, an RFC 9162 inclusion proof of the simulated agents' code hash, and a KYC credential for an operator,
// signed by a simulated issuer. Every key is derived from the run's seed and every signature is a real Ed25519
// signature, so a node's IdentityTiers.attest checks them exactly as it checks a real registry's. A node trusts this
// registry and issuer through `trust` (its AttestationTrust).
//
// The wire carries no T3 evidence (docs/architecture.md §6: nodes exchange bindings, T2), so the simulator hands a
// node the evidence of an agent it holds the binding of, as an operator's registry look-up would; the check is the
// node's own. Only operators the scenario gives KYC have a credential: an identity without one stays at T2.

import { utf8 } from '../../core/base/bytes.js';
import type { AttestationEvidence, AttestationTrust } from '../../core/identity/attestation.js';
import { attestationRegistry } from '../../core/identity/attestation-builder.js';
import type { CryptoPort } from '../../core/base/ports.js';
import { SIM_EPOCH, simCodeHash } from './identities.js';

const DAY = 86_400_000;
/** Registrars (n), of which `THRESHOLD` sign the checkpoint and a node requires as many. */
const REGISTRARS = 3;
const THRESHOLD = 2;
/** Assurance level of the credentials issued and the minimum a node requires. */
const LEVEL = 2;
/** Other programs in the registry beside the simulated agents' code (the inclusion proof has a real audit path). */
const OTHER_PROGRAMS = 5;

export interface SimAttestation {
  /** What a node of the run trusts: the registrars (k of n) and the KYC issuer. */
  readonly trust: AttestationTrust;
  /** T3 evidence for the operator `operatorKey` (its KYC credential with the registry's checkpoint and proof). */
  evidence(operatorKey: Uint8Array): AttestationEvidence;
}

export function simAttestation(c: CryptoPort, seed: number): SimAttestation {
  const secret = (what: string) => c.sha256(utf8(`agentnet-sim/${seed}/attestation/${what}`));
  const leaves = [
    ...Array.from({ length: OTHER_PROGRAMS }, (_, k) => c.sha256(utf8(`agentnet-sim/program/${k}`))),
    simCodeHash(c),
  ];
  const registry = attestationRegistry(c, {
    registryId: `agentnet-sim/${seed}`,
    leaves,
    ts: SIM_EPOCH - DAY,
    registrars: Array.from({ length: REGISTRARS }, (_, r) => secret(`registrar/${r}`)),
    threshold: THRESHOLD,
    issuer: secret('issuer'),
    level: LEVEL,
  });
  const inclusion = registry.inclusion(leaves.length - 1);
  return {
    trust: registry.trust,
    evidence: (operatorKey) => ({
      checkpoint: registry.checkpoint,
      inclusion,
      credential: registry.credential(operatorKey, SIM_EPOCH + 365 * DAY),
    }),
  };
}
