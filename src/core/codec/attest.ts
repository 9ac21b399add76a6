// T3/T2 evidence objects (docs/architecture.md §3, §6):
//
// checkpoint  COSE_Sign by k of n registrar keys: a transparency-log root over attested code hashes (CHECKPOINT)
// inclusion   unsigned, verified against a checkpoint (RFC 9162 §2.1.3) (INCLUSION)
// credential  COSE_Sign1 by a KYC issuer: the operator's assurance (CREDENTIAL)
// revocation  COSE_Sign1 by the operator key: retires one agent key (REVOCATION)

import { decodeError } from '../base/errors.js';
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
import { asMap, mapOf } from './fields.js';
import { DEFAULT_LIMITS } from './limits.js';
import { readObject, type ObjectSpec } from './schema.js';

const MAX = 4096;
const H32 = { t: 'bytes', len: 32 } as const;
const V1 = { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' } as const;
/** These objects take no profile limits: their tables use fixed numbers only. */
const read = (m: Map<number | string, unknown>, spec: ObjectSpec) => {
  const { v: _v, ...r } = readObject(m as never, spec, DEFAULT_LIMITS);
  return r;
};

export const CHECKPOINT: ObjectSpec = {
  name: 'checkpoint',
  fields: [
    V1,
    { key: 1, name: 'registryId', type: { t: 'text', maxBytes: 64 }, doc: 'the registry' },
    { key: 2, name: 'treeSize', type: { t: 'uint' }, doc: 'leaves in the log' },
    { key: 3, name: 'rootHash', type: H32, doc: 'RFC 9162 Merkle tree head' },
    { key: 4, name: 'ts', type: { t: 'uint' }, doc: 'ms' },
  ],
};
export const INCLUSION: ObjectSpec = {
  name: 'inclusion',
  fields: [
    V1,
    { key: 1, name: 'leafIndex', type: { t: 'uint' }, doc: '< treeSize' },
    { key: 2, name: 'treeSize', type: { t: 'uint' }, doc: 'tree size the path is for' },
    { key: 3, name: 'auditPath', type: { t: 'list', of: H32, maxItems: 64 }, doc: 'RFC 9162 audit path' },
  ],
};
export const CREDENTIAL: ObjectSpec = {
  name: 'credential',
  fields: [
    V1,
    { key: 1, name: 'issuerKey', type: H32, doc: "the issuer's key (the signer)" },
    { key: 2, name: 'operatorKey', type: H32, doc: 'the operator it vouches for' },
    { key: 3, name: 'level', type: { t: 'uint', max: 4 }, doc: 'assurance level' },
    { key: 4, name: 'expires', type: { t: 'uint' }, doc: 'ms' },
  ],
};
export const REVOCATION: ObjectSpec = {
  name: 'revocation',
  fields: [
    V1,
    { key: 1, name: 'operatorKey', type: H32, doc: "the agent's operator (the signer)" },
    { key: 2, name: 'baid', type: H32, doc: "the binding's baid" },
    { key: 3, name: 'agentKey', type: H32, doc: 'the revoked agent key' },
    { key: 4, name: 'reason', type: { t: 'text', maxBytes: 256 }, doc: 'free text' },
    { key: 5, name: 'ts', type: { t: 'uint' }, doc: "ms: the key's signatures from ts on are refused" },
  ],
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
  const checkpoint = read(m, CHECKPOINT) as unknown as Checkpoint;
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
  const p = read(m, INCLUSION) as unknown as Inclusion;
  if (p.leafIndex >= p.treeSize) throw decodeError('BAD_VALUE', 'inclusion: leafIndex must be < treeSize', 'leafIndex');
  return p;
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
  const credential = read(m, CREDENTIAL) as unknown as Credential;
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
  const revocation = read(m, REVOCATION) as unknown as Revocation;
  return { revocation, signature: s.signature, toBeSigned: s.toBeSigned };
}
