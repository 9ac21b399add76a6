// T3: code attestation and operator assurance (docs/architecture.md §6).
//
// An agent reaches T3 when (1) a registry checkpoint is signed by at least k distinct registrar keys of
// the n this node trusts, (2) an RFC 9162 inclusion proof puts the binding's codeHash in that
// checkpoint's tree, (3) the binding's operator holds an unexpired KYC credential of at least the
// required level from a trusted issuer, and (4) every pluggable extra verifier (e.g. a zero-knowledge
// execution proof checker) accepts. Each failure names which of these broke.

import { equalBytes, toHex } from '../base/bytes.js';
import { checkpointToBeSigned, decodeCheckpoint, decodeCredential, decodeInclusion } from '../codec/attest.js';
import type { Binding } from '../codec/binding.js';
import { DecodeError, decodeReason } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { verifyInclusion } from './merkle.js';
import type { Check } from './tiers.js';

export interface AttestationEvidence {
  readonly checkpoint: Uint8Array;
  readonly inclusion: Uint8Array;
  readonly credential: Uint8Array;
}

export interface AttestationTrust {
  /** Registrar public keys (hex) this node trusts, and how many must sign a checkpoint. */
  readonly registrars: ReadonlySet<string>;
  readonly threshold: number;
  /** KYC issuer public keys (hex) and the minimum assurance level. */
  readonly issuers: ReadonlySet<string>;
  readonly minLevel: number;
  /** Extra verifiers (zero-knowledge execution proofs, hardware attestation...): all must accept. */
  readonly extra?: ReadonlyArray<(b: Binding) => Check>;
}

const fail = (detail: string): Check => ({ ok: false, reason: 'attestation_failed', detail });

export function checkAttestation(
  c: CryptoPort,
  b: Binding,
  ev: AttestationEvidence,
  trust: AttestationTrust,
  now: number,
): Check {
  if (!(trust.threshold >= 1)) throw new RangeError('checkAttestation: threshold must be >= 1');
  try {
    const { checkpoint, signers } = decodeCheckpoint(ev.checkpoint);
    const good = new Set<string>();
    const items = signers.filter((s) => trust.registrars.has(toHex(s.kid)));
    const results = c.verifier.verifyBatch(
      items.map((s) => ({ pub: s.kid, msg: checkpointToBeSigned(checkpoint, s.kid), sig: s.signature })),
    );
    items.forEach((s, i) => results[i] && good.add(toHex(s.kid)));
    if (good.size < trust.threshold)
      return fail(`checkpoint signed by ${good.size} trusted registrars, ${trust.threshold} required`);
    const inc = decodeInclusion(ev.inclusion);
    if (inc.treeSize !== checkpoint.treeSize) return fail('inclusion proof is for another tree size');
    if (!verifyInclusion(c, b.codeHash, inc.leafIndex, inc.treeSize, inc.auditPath, checkpoint.rootHash))
      return fail('codeHash is not in the checkpoint tree');
    const { credential, signature, toBeSigned } = decodeCredential(ev.credential);
    if (!trust.issuers.has(toHex(credential.issuerKey))) return fail('credential from an untrusted issuer');
    if (!c.verifier.verify(credential.issuerKey, toBeSigned, signature))
      return fail('credential signature does not verify');
    if (!equalBytes(credential.operatorKey, b.operatorKey)) return fail('credential is for another operator');
    if (credential.expires <= now) return fail('credential expired');
    if (credential.level < trust.minLevel) return fail(`credential level ${credential.level} < ${trust.minLevel}`);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, reason: decodeReason(e), detail: e.message };
    throw e;
  }
  for (const x of trust.extra ?? []) {
    const r = x(b);
    if (!r.ok) return r;
  }
  return { ok: true };
}
