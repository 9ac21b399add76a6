// T3/T2 evidence objects (DESIGN §3, §6):
//
// checkpoint  COSE_Sign by k of n registrar keys: a transparency-log root over attested code hashes
//             0 v, 1 registryId text, 2 treeSize uint, 3 rootHash bstr32, 4 ts uint
// inclusion   unsigned, verified against a checkpoint (RFC 9162 §2.1.3)
//             0 v, 1 leafIndex uint, 2 treeSize uint, 3 auditPath [bstr32] (<= 64)
// credential  COSE_Sign1 by a KYC issuer: the operator's assurance
//             0 v, 1 issuerKey bstr32, 2 operatorKey bstr32, 3 level uint 0..4, 4 expires uint
// revocation  COSE_Sign1 by the operator key: retires one agent key (or, with no agentKey, the baid)
//             0 v, 1 operatorKey bstr32, 2 baid bstr32, 3 agentKey bstr32, 4 reason text <= 256, 5 ts uint

import { decodeError } from '../errors.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import {
  CONTENT_TYPES,
  decodeSign,
  decodeSign1,
  encodeSign,
  encodeSign1,
  sign1Protected,
  sign1ToBeSigned,
  signToBeSigned,
  type CoseSigner,
} from './cose.js';
import { asMap, bytes, mapOf, onlyKeys, text, uint } from './fields.js';

const MAX = 4096;
const v1 = (m: Map<number | string, unknown>, what: string) => {
  if (uint(m as never, 0, what) !== 1) throw decodeError('BAD_VERSION', `${what}: unknown version`);
};

// ---------------------------------------------------------------- checkpoint

export interface Checkpoint {
  readonly registryId: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly ts: number;
}

export function checkpointPayload(c: Checkpoint): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, c.registryId],
      [2, c.treeSize],
      [3, c.rootHash],
      [4, c.ts],
    ]),
  );
}
export const checkpointToBeSigned = (c: Checkpoint, registrarKey: Uint8Array): Uint8Array =>
  signToBeSigned(CONTENT_TYPES.checkpoint, registrarKey, checkpointPayload(c));
export const encodeCheckpoint = (c: Checkpoint, sigs: readonly CoseSigner[]): Uint8Array =>
  encodeSign(CONTENT_TYPES.checkpoint, checkpointPayload(c), sigs);

export function decodeCheckpoint(b: Uint8Array, maxSigners = 16) {
  const s = decodeSign(b, CONTENT_TYPES.checkpoint, MAX, maxSigners);
  const m = asMap(decodeCbor(s.payload, { maxBytes: MAX, maxDepth: 2 }), 'checkpoint');
  onlyKeys(m, [0, 1, 2, 3, 4], 'checkpoint');
  v1(m, 'checkpoint');
  const checkpoint: Checkpoint = {
    registryId: text(m, 1, 'checkpoint', 64),
    treeSize: uint(m, 2, 'checkpoint'),
    rootHash: bytes(m, 3, 'checkpoint', 32),
    ts: uint(m, 4, 'checkpoint'),
  };
  return { checkpoint, signers: s.signers };
}

// ---------------------------------------------------------------- inclusion proof

export interface Inclusion {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly auditPath: readonly Uint8Array[];
}

export const encodeInclusion = (p: Inclusion): Uint8Array =>
  encodeCbor(
    mapOf([
      [0, 1],
      [1, p.leafIndex],
      [2, p.treeSize],
      [3, [...p.auditPath]],
    ]),
  );

export function decodeInclusion(b: Uint8Array): Inclusion {
  const m = asMap(decodeCbor(b, { maxBytes: MAX, maxDepth: 2 }), 'inclusion');
  onlyKeys(m, [0, 1, 2, 3], 'inclusion');
  v1(m, 'inclusion');
  const path = m.get(3);
  if (!Array.isArray(path) || path.length > 64 || path.some((h) => !(h instanceof Uint8Array) || h.length !== 32))
    throw decodeError('BAD_VALUE', 'inclusion: auditPath must be <= 64 hashes of 32 bytes');
  const leafIndex = uint(m, 1, 'inclusion');
  const treeSize = uint(m, 2, 'inclusion');
  if (leafIndex >= treeSize) throw decodeError('BAD_VALUE', 'inclusion: leafIndex must be < treeSize');
  return { leafIndex, treeSize, auditPath: path as Uint8Array[] };
}

// ---------------------------------------------------------------- credential

export interface Credential {
  readonly issuerKey: Uint8Array;
  readonly operatorKey: Uint8Array;
  readonly level: number;
  readonly expires: number;
}

const credentialPayload = (c: Credential) =>
  encodeCbor(
    mapOf([
      [0, 1],
      [1, c.issuerKey],
      [2, c.operatorKey],
      [3, c.level],
      [4, c.expires],
    ]),
  );
export const credentialToBeSigned = (c: Credential): Uint8Array =>
  sign1ToBeSigned(sign1Protected(CONTENT_TYPES.credential), credentialPayload(c));
export const encodeCredential = (c: Credential, sig: Uint8Array): Uint8Array =>
  encodeSign1(CONTENT_TYPES.credential, credentialPayload(c), sig);

export function decodeCredential(b: Uint8Array) {
  const s = decodeSign1(b, CONTENT_TYPES.credential, MAX);
  const m = asMap(decodeCbor(s.payload, { maxBytes: MAX, maxDepth: 2 }), 'credential');
  onlyKeys(m, [0, 1, 2, 3, 4], 'credential');
  v1(m, 'credential');
  const credential: Credential = {
    issuerKey: bytes(m, 1, 'credential', 32),
    operatorKey: bytes(m, 2, 'credential', 32),
    level: uint(m, 3, 'credential', 4),
    expires: uint(m, 4, 'credential'),
  };
  return { credential, signature: s.signature, toBeSigned: s.toBeSigned };
}

// ---------------------------------------------------------------- revocation

export interface Revocation {
  readonly operatorKey: Uint8Array;
  readonly baid: Uint8Array;
  readonly agentKey: Uint8Array;
  readonly reason: string;
  readonly ts: number;
}

const revocationPayload = (r: Revocation) =>
  encodeCbor(
    mapOf([
      [0, 1],
      [1, r.operatorKey],
      [2, r.baid],
      [3, r.agentKey],
      [4, r.reason],
      [5, r.ts],
    ]),
  );
export const revocationToBeSigned = (r: Revocation): Uint8Array =>
  sign1ToBeSigned(sign1Protected(CONTENT_TYPES.revocation), revocationPayload(r));
export const encodeRevocation = (r: Revocation, sig: Uint8Array): Uint8Array =>
  encodeSign1(CONTENT_TYPES.revocation, revocationPayload(r), sig);

export function decodeRevocation(b: Uint8Array) {
  const s = decodeSign1(b, CONTENT_TYPES.revocation, MAX);
  const m = asMap(decodeCbor(s.payload, { maxBytes: MAX, maxDepth: 2 }), 'revocation');
  onlyKeys(m, [0, 1, 2, 3, 4, 5], 'revocation');
  v1(m, 'revocation');
  const revocation: Revocation = {
    operatorKey: bytes(m, 1, 'revocation', 32),
    baid: bytes(m, 2, 'revocation', 32),
    agentKey: bytes(m, 3, 'revocation', 32),
    reason: text(m, 4, 'revocation', 256),
    ts: uint(m, 5, 'revocation'),
  };
  return { revocation, signature: s.signature, toBeSigned: s.toBeSigned };
}
