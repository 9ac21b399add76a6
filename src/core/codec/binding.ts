// `binding`: the BAID record (DESIGN §3, §6), a COSE_Sign signed by the operator key and by the
// agent key (in that order), so neither can bind the other alone.
//
//  0 v            uint   1
//  1 baid         bstr32 SHA-256(codeHash ‖ configDigest ‖ operatorKey ‖ salt): stable across rotations
//  2 agentKey     bstr32
//  3 operatorKey  bstr32
//  4 codeHash     bstr32 SHA-256 of the agent bundle (code)
//  5 configDigest bstr32 SHA-256 over the config hashes in field 6 (canonical CBOR of that map)
//  6 config       map    {0: modelHash, 1: promptTemplateHash, 2: toolPolicyHash}, each bstr32, all optional
//  7 version      uint   >= 1, +1 per rotation/update
//  8 prev         bstr32 SHA-256 of the previous binding's bytes; absent exactly at version 1
//  9 notBefore    uint   ms
// 10 notAfter     uint   ms, > notBefore
// 11 nextKeyHash  bstr32 optional: SHA-256 of the next agent key (pre-rotation, KERI-style)
// 12 scope        [text] topics this agent may write; empty = any
// 13 salt         bstr   16..32 bytes
// 14 bond         uint   optional stake declared by the operator (credits), used by trust pretrust

import { equalBytes } from '../bytes.js';
import { decodeError } from '../errors.js';
import { decodeCbor, encodeCbor, type CborMap, type CborValue } from './cbor.js';
import { CONTENT_TYPES, decodeSign, encodeSign, signToBeSigned, type CoseSigner } from './cose.js';
import { asMap, bytes, mapOf, onlyKeys, optBytes, optUint, textList, uint } from './fields.js';
import { TOPIC_RE, type Limits } from './limits.js';

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

const FIELDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

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

/** What the operator and the agent each sign (STYLE 4). */
export function bindingToBeSigned(b: Binding, signerKey: Uint8Array): Uint8Array {
  return signToBeSigned(CONTENT_TYPES.binding, signerKey, bindingPayload(b));
}

export function encodeBinding(b: Binding, operatorSig: Uint8Array, agentSig: Uint8Array): Uint8Array {
  return encodeSign(CONTENT_TYPES.binding, bindingPayload(b), [
    { kid: b.operatorKey, signature: operatorSig },
    { kid: b.agentKey, signature: agentSig },
  ]);
}

function decodeConfig(v: CborValue | undefined): ConfigHashes {
  if (v === undefined) throw decodeError('MISSING_FIELD', 'binding: field 6 missing');
  const m = asMap(v, 'binding.config');
  onlyKeys(m, [0, 1, 2], 'binding.config');
  const model = optBytes(m, 0, 'binding.config', 32);
  const promptTemplate = optBytes(m, 1, 'binding.config', 32);
  const toolPolicy = optBytes(m, 2, 'binding.config', 32);
  return {
    ...(model ? { model } : {}),
    ...(promptTemplate ? { promptTemplate } : {}),
    ...(toolPolicy ? { toolPolicy } : {}),
  };
}

export function decodeBinding(b: Uint8Array, limits: Limits): SignedBinding {
  const s = decodeSign(b, CONTENT_TYPES.binding, limits.bindingBytes, 2);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.bindingBytes, maxDepth: 3 }), 'binding');
  onlyKeys(m, FIELDS, 'binding');
  if (uint(m, 0, 'binding') !== 1) throw decodeError('BAD_VERSION', 'binding: unknown version');
  const version = uint(m, 7, 'binding');
  if (version < 1) throw decodeError('BAD_VALUE', 'binding: version must be >= 1');
  const prev = optBytes(m, 8, 'binding', 32);
  if ((version === 1) !== (prev === undefined))
    throw decodeError('BAD_VALUE', 'binding: prev must be absent exactly at version 1');
  const notBefore = uint(m, 9, 'binding');
  const notAfter = uint(m, 10, 'binding');
  if (notAfter <= notBefore) throw decodeError('BAD_VALUE', 'binding: notAfter must be after notBefore');
  const salt = bytes(m, 13, 'binding', undefined, 32);
  if (salt.length < 16) throw decodeError('BAD_VALUE', 'binding: salt must be 16..32 bytes');
  const nextKeyHash = optBytes(m, 11, 'binding', 32);
  const bond = optUint(m, 14, 'binding');
  const binding: Binding = {
    baid: bytes(m, 1, 'binding', 32),
    agentKey: bytes(m, 2, 'binding', 32),
    operatorKey: bytes(m, 3, 'binding', 32),
    codeHash: bytes(m, 4, 'binding', 32),
    configDigest: bytes(m, 5, 'binding', 32),
    config: decodeConfig(m.get(6)),
    version,
    ...(prev ? { prev } : {}),
    notBefore,
    notAfter,
    ...(nextKeyHash ? { nextKeyHash } : {}),
    scope: textList(m, 12, 'binding', 64, limits.topicBytes, TOPIC_RE),
    salt,
    ...(bond !== undefined ? { bond } : {}),
  };
  if (s.signers.length !== 2)
    throw decodeError('BAD_COSE', 'binding: exactly two signatures (operator, agent) required');
  const [op, ag] = s.signers as [(typeof s.signers)[0], (typeof s.signers)[0]];
  if (!equalBytes(op.kid, binding.operatorKey) || !equalBytes(ag.kid, binding.agentKey)) {
    throw decodeError('BAD_COSE', 'binding: signer kids must be [operatorKey, agentKey]');
  }
  return { binding, bytes: b, signers: s.signers };
}
