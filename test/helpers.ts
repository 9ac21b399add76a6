// Shared test helpers: a real CryptoPort (node:crypto hashes and signing, the strict verifier),
// deterministic keys from labels, and identities with real bindings.

import { createHash } from 'node:crypto';
import {
  encodeDirect,
  encodeRequest,
  requestToBeSigned,
  type RequestQuery,
  type SignedRequest,
} from '../src/core/codec/messages.js';
import { DecodeError } from '../src/core/base/errors.js';
import { makeBinding } from '../src/core/identity/binding.js';
import type { CryptoPort } from '../src/core/base/ports.js';
import { makeCryptoPort, nobleStrictVerifier } from '../src/runtime/crypto-port.js';
import { encodeBody } from '../src/core/codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../src/core/codec/entry.js';
import {
  encodeTaskMsg,
  encodeTerms,
  taskMsgToBeSigned,
  type AcceptCheck,
  type TaskMsg,
} from '../src/core/codec/task.js';
import { naiveMechanism } from '../src/core/market/mechanism.js';
import { signMechanism } from '../src/core/market/signed.js';

export const crypto: CryptoPort = makeCryptoPort(nobleStrictVerifier);

/** A 32-byte seed derived from a label: tests and fixtures are reproducible. */
export function seed(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`agentnet-test/${label}`).digest());
}

export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a fixed "now" for unit tests
export const DAY = 86_400_000;

export interface TestIdentity {
  readonly agentSecret: Uint8Array;
  readonly operatorSecret: Uint8Array;
  readonly agentKey: Uint8Array;
  readonly binding: Uint8Array;
}

export function identity(
  label: string,
  o: { notBefore?: number; notAfter?: number; scope?: string[]; operatorLabel?: string } = {},
): TestIdentity {
  const agentSecret = seed(`${label}/agent`);
  const operatorSecret = seed(`${o.operatorLabel ?? label}/operator`);
  const { bytes } = makeBinding(crypto, {
    operatorSecret,
    agentSecret,
    codeHash: seed('code'),
    config: { model: seed('model'), promptTemplate: seed('prompt'), toolPolicy: seed('tools') },
    salt: seed(`${label}/salt`).slice(0, 16),
    notBefore: o.notBefore ?? T0 - DAY,
    notAfter: o.notAfter ?? T0 + 365 * DAY,
    scope: o.scope ?? [],
  });
  return { agentSecret, operatorSecret, agentKey: crypto.signer.publicKey(agentSecret), binding: bytes };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** The DecodeError code `f` throws, or `none` when it returns; any other exception propagates. */
export function decodeCode(f: () => unknown, none = 'none'): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
  return none;
}

/**
 * A direct message of type 6 carrying a signed request (docs/spec/protocol.md "Direct requests"): `from`
 * signs a request for `to` at `ts`. `sign` (default: `from`'s own key) lets a test forge the signature.
 */
export function directRequest(
  from: { agentKey: Uint8Array; agentSecret: Uint8Array },
  to: Uint8Array,
  ts: number,
  q: RequestQuery,
  sign: Uint8Array = from.agentSecret,
): Uint8Array {
  const r: SignedRequest = { ...q, from: from.agentKey, to, ts };
  const req = encodeRequest(r, crypto.signer.sign(sign, requestToBeSigned(r)));
  return encodeDirect({ type: 'request', from: from.agentKey, req });
}

/**
 * A task announce as a requester signs it: an intent entry whose body carries task terms (a naive mechanism, the
 * given acceptance check) and its id, the task id. `signer` signs in place of the requester (a forgery).
 */
export function taskAnnounce(o: {
  requester: { agentKey: Uint8Array; agentSecret: Uint8Array };
  accept?: AcceptCheck;
  signer?: Uint8Array;
  now?: number;
  topic?: string;
}): { entry: Uint8Array; body: Uint8Array; task: Uint8Array } {
  const now = o.now ?? T0;
  const constraints = encodeTerms({
    mechanism: signMechanism(crypto.signer, o.requester.agentSecret, naiveMechanism()),
    deliverBy: now + 60_000,
    settleBy: now + 120_000,
    ...(o.accept ? { accept: o.accept } : {}),
  });
  const body = encodeBody({
    kind: 'intent',
    tags: ['data.analysis'],
    text: 'count',
    price: 100,
    deadline: now + 30_000,
    requiredTier: 2,
    constraints,
  });
  const e: Entry = {
    author: o.requester.agentKey,
    topic: o.topic ?? 'data_analysis',
    epoch: 0,
    seq: 1,
    kind: 'intent',
    ts: now,
    expires: now + 120_000,
    bodyHash: crypto.sha256(body),
    bodyLen: body.length,
    sketch: new Uint8Array(32),
    tier: 2,
    key: 'task.1',
  };
  const entry = encodeEntry(e, crypto.signer.sign(o.signer ?? o.requester.agentSecret, entryToBeSigned(e)));
  return { entry, body, task: crypto.sha256(entry) };
}

/** A worker's signed `delivery` task message of `artefact` for `task`; `secret` signs for `key`. */
export function signedDelivery(task: Uint8Array, artefact: Uint8Array, key: Uint8Array, secret: Uint8Array, ts = T0) {
  const m: TaskMsg = {
    type: 'delivery',
    task,
    signer: key,
    ts,
    hash: crypto.sha256(artefact),
    length: artefact.length,
  };
  return encodeTaskMsg(m, crypto.signer.sign(secret, taskMsgToBeSigned(m)));
}
