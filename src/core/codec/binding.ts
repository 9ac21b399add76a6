// `binding`: the BAID record (docs/architecture.md §3, §6), a COSE_Sign signed by the operator key and by the
// agent key (in that order), so neither can bind the other alone.
//
// Its CBOR map is the table BINDING below (docs/spec/objects.md shows it). baid =
// SHA-256(codeHash ‖ configDigest ‖ operatorKey ‖ salt), stable across rotations; configDigest =
// SHA-256 of the canonical CBOR of field 6.

import { equalBytes } from '../base/bytes.js';
import { decodeError } from '../base/errors.js';
import { decodeCbor, encodeCbor, type CborMap, type CborValue } from './cbor.js';
import { CONTENT_TYPES, decodeSign, encodeSign, signToBeSigned, type CoseSigner } from './cose.js';
import { asMap, mapOf } from './fields.js';
import type { Limits } from './limits.js';
import { readObject, type ObjectSpec } from './schema.js';

export interface ConfigHashes {
  readonly model?: Uint8Array;
  readonly promptTemplate?: Uint8Array;
  readonly toolPolicy?: Uint8Array;
}

export interface Binding {
  readonly baid: Uint8Array;
  readonly agentKey: Uint8Array;
  readonly operatorKey: Uint8Array;
  readonly codeHash: Uint8Array;
  readonly configDigest: Uint8Array;
  readonly config: ConfigHashes;
  readonly version: number;
  readonly prev?: Uint8Array;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly nextKeyHash?: Uint8Array;
  readonly scope: readonly string[];
  readonly salt: Uint8Array;
  readonly bond?: number;
}

export interface SignedBinding {
  readonly binding: Binding;
  readonly bytes: Uint8Array;
  /** [operator, agent] signatures with the bytes each must cover. */
  readonly signers: ReadonlyArray<CoseSigner & { readonly toBeSigned: Uint8Array }>;
}

const H32 = { t: 'bytes', len: 32 } as const;

export const BINDING_CONFIG: ObjectSpec = {
  name: 'binding.config',
  fields: [
    { key: 0, name: 'model', type: H32, optional: true, doc: 'SHA-256 of the model' },
    { key: 1, name: 'promptTemplate', type: H32, optional: true, doc: 'SHA-256 of the prompt template' },
    { key: 2, name: 'toolPolicy', type: H32, optional: true, doc: 'SHA-256 of the tool policy' },
  ],
};

export const BINDING: ObjectSpec = {
  name: 'binding',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'baid', type: H32, doc: 'SHA-256(codeHash ‖ configDigest ‖ operatorKey ‖ salt)' },
    { key: 2, name: 'agentKey', type: H32, doc: 'the bound Ed25519 agent public key' },
    { key: 3, name: 'operatorKey', type: H32, doc: "the operator's Ed25519 public key" },
    { key: 4, name: 'codeHash', type: H32, doc: 'SHA-256 of the agent bundle' },
    { key: 5, name: 'configDigest', type: H32, doc: 'SHA-256 of the canonical CBOR of field 6' },
    { key: 6, name: 'config', type: { t: 'map', spec: BINDING_CONFIG }, doc: 'config hashes (each optional)' },
    { key: 7, name: 'version', type: { t: 'uint', min: 1 }, doc: '+1 per rotation or update' },
    {
      key: 8,
      name: 'prev',
      type: H32,
      optional: true,
      doc: "SHA-256 of the previous binding's bytes; absent exactly at version 1",
    },
    { key: 9, name: 'notBefore', type: { t: 'uint' }, doc: 'ms since the Unix epoch' },
    { key: 10, name: 'notAfter', type: { t: 'uint' }, doc: 'ms since the Unix epoch; > notBefore' },
    { key: 11, name: 'nextKeyHash', type: H32, optional: true, doc: 'SHA-256 of the next agent key (pre-rotation)' },
    {
      key: 12,
      name: 'scope',
      type: { t: 'list', of: { t: 'text', maxBytes: 'topicBytes', pattern: 'topic' }, maxItems: 64 },
      doc: 'topics this agent may write; empty = any',
    },
    { key: 13, name: 'salt', type: { t: 'bytes', minLen: 16, maxLen: 32 }, doc: 'random salt of the baid' },
    { key: 14, name: 'bond', type: { t: 'uint' }, optional: true, doc: 'stake the operator declares (credits)' },
  ],
};

export function configMap(c: ConfigHashes): CborMap {
  return mapOf([
    [0, c.model],
    [1, c.promptTemplate],
    [2, c.toolPolicy],
  ]);
}

/** Canonical bytes hashed into configDigest. */
export function configDigestInput(c: ConfigHashes): Uint8Array {
  return encodeCbor(configMap(c));
}

export function bindingPayload(b: Binding): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, b.baid],
      [2, b.agentKey],
      [3, b.operatorKey],
      [4, b.codeHash],
      [5, b.configDigest],
      [6, configMap(b.config)],
      [7, b.version],
      [8, b.prev],
      [9, b.notBefore],
      [10, b.notAfter],
      [11, b.nextKeyHash],
      [12, [...b.scope] as CborValue[]],
      [13, b.salt],
      [14, b.bond],
    ]),
  );
}

/** What the operator and the agent each sign (docs/conventions.md §4). */
export function bindingToBeSigned(b: Binding, signerKey: Uint8Array): Uint8Array {
  return signToBeSigned(CONTENT_TYPES.binding, signerKey, bindingPayload(b));
}

export function encodeBinding(b: Binding, operatorSig: Uint8Array, agentSig: Uint8Array): Uint8Array {
  return encodeSign(CONTENT_TYPES.binding, bindingPayload(b), [
    { kid: b.operatorKey, signature: operatorSig },
    { kid: b.agentKey, signature: agentSig },
  ]);
}

export function decodeBinding(b: Uint8Array, limits: Limits): SignedBinding {
  const s = decodeSign(b, CONTENT_TYPES.binding, limits.bindingBytes, 2);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.bindingBytes, maxDepth: 3 }), 'binding');
  const { v: _v, ...binding } = readObject(m, BINDING, limits) as unknown as Binding & { v: number };
  if ((binding.version === 1) !== (binding.prev === undefined))
    throw decodeError('BAD_VALUE', 'binding: prev must be absent exactly at version 1', 'prev');
  if (binding.notAfter <= binding.notBefore)
    throw decodeError('BAD_VALUE', 'binding: notAfter must be after notBefore', 'notAfter');
  if (s.signers.length !== 2)
    throw decodeError('BAD_COSE', 'binding: exactly two signatures (operator, agent) required');
  const [op, ag] = s.signers as [(typeof s.signers)[0], (typeof s.signers)[0]];
  if (!equalBytes(op.kid, binding.operatorKey) || !equalBytes(ag.kid, binding.agentKey)) {
    throw decodeError('BAD_COSE', 'binding: signer kids must be [operatorKey, agentKey]');
  }
  return { binding, bytes: b, signers: s.signers };
}
