// Builds T3 evidence (docs/architecture.md §6) that checkAttestation (./attestation.ts) verifies: a code registry whose
// checkpoint is signed by the first `threshold` of its registrar keys, RFC 9162 inclusion proofs of the code hashes
// in its tree, and KYC credentials for operators signed by one issuer, together with the AttestationTrust that
// accepts exactly these keys. The simulator, the tier benchmark and `check --selftest` each stand up a registry
// this way; the keys are the caller's (seeded or random), every signature is a real one.

import { toHex } from '../base/bytes.js';
import {
  checkpointToBeSigned,
  credentialToBeSigned,
  encodeCheckpoint,
  encodeCredential,
  encodeInclusion,
  type Checkpoint,
} from '../codec/attest.js';
import type { CryptoPort } from '../base/ports.js';
import type { AttestationEvidence, AttestationTrust } from './attestation.js';
import { inclusionPath, merkleRoot } from './merkle.js';

export interface AttestationRegistryOptions {
  readonly registryId: string;
  /** The code hashes the registry attests, in tree order. */
  readonly leaves: readonly Uint8Array[];
  /** Checkpoint timestamp, ms. */
  readonly ts: number;
  /** Registrar secrets (n); the first `threshold` sign the checkpoint and trust requires as many. */
  readonly registrars: readonly Uint8Array[];
  readonly threshold: number;
  /** KYC issuer secret. */
  readonly issuer: Uint8Array;
  /** Assurance level of the credentials issued, and the minimum the trust requires. */
  readonly level: number;
}

export interface AttestationRegistry {
  /** What a verifier trusts: these registrars (k of n), this issuer, this level. */
  readonly trust: AttestationTrust;
  /** The signed checkpoint over `leaves`. */
  readonly checkpoint: Uint8Array;
  /** RFC 9162 inclusion proof of leaf `leafIndex` in the checkpoint's tree. */
  inclusion(leafIndex: number): Uint8Array;
  /** A credential for `operatorKey`, valid until `expires` (ms). */
  credential(operatorKey: Uint8Array, expires: number): Uint8Array;
  /** Checkpoint, inclusion of leaf `leafIndex` and a credential for `operatorKey`: the evidence of one agent. */
  evidence(leafIndex: number, operatorKey: Uint8Array, expires: number): AttestationEvidence;
}

export function attestationRegistry(c: CryptoPort, o: AttestationRegistryOptions): AttestationRegistry {
  if (!(o.threshold >= 1 && o.threshold <= o.registrars.length))
    throw new RangeError('attestationRegistry: threshold must be between 1 and the number of registrars');
  const pub = (s: Uint8Array) => c.signer.publicKey(s);
  const issuerKey = pub(o.issuer);
  const cp: Checkpoint = {
    registryId: o.registryId,
    treeSize: o.leaves.length,
    rootHash: merkleRoot(c, o.leaves),
    ts: o.ts,
  };
  const checkpoint = encodeCheckpoint(
    cp,
    o.registrars
      .slice(0, o.threshold)
      .map((k) => ({ kid: pub(k), signature: c.signer.sign(k, checkpointToBeSigned(cp, pub(k))) })),
  );
  const inclusion = (leafIndex: number) =>
    encodeInclusion({ leafIndex, treeSize: o.leaves.length, auditPath: inclusionPath(c, leafIndex, o.leaves) });
  const credential = (operatorKey: Uint8Array, expires: number) => {
    const cred = { issuerKey, operatorKey, level: o.level, expires };
    return encodeCredential(cred, c.signer.sign(o.issuer, credentialToBeSigned(cred)));
  };
  return {
    trust: {
      registrars: new Set(o.registrars.map((r) => toHex(pub(r)))),
      threshold: o.threshold,
      issuers: new Set([toHex(issuerKey)]),
      minLevel: o.level,
    },
    checkpoint,
    inclusion,
    credential,
    evidence: (leafIndex, operatorKey, expires) => ({
      checkpoint,
      inclusion: inclusion(leafIndex),
      credential: credential(operatorKey, expires),
    }),
  };
}
