// Byte formats of the task protocol (src/core/codec/task.ts): every message type round-trips, and bad
// input is a typed DecodeError, never anything else.

import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/base/bytes.js';
import { decodeCbor, encodeCbor } from '../../src/core/codec/cbor.js';
import { CONTENT_TYPES, encodeSign1 } from '../../src/core/codec/cose.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { DecodeError } from '../../src/core/base/errors.js';
import {
  decodeTaskMsg,
  decodeTerms,
  encodeTaskMsg,
  encodeTerms,
  taskMsgPayload,
  TASK_PREFIX,
  type TaskMsg,
} from '../../src/core/codec/task.js';
import { crypto, identity, T0 } from '../helpers.js';

const a = identity('alice');
const task = crypto.sha256(utf8('task'));
const head = { task, signer: a.agentKey, ts: T0 };
const sig = new Uint8Array(64).fill(7);
const MSGS: TaskMsg[] = [
  { ...head, type: 'invite', entry: utf8('entry'), body: utf8('body'), binding: a.binding },
  { ...head, type: 'bid', price: 1234, binding: a.binding },
  { ...head, type: 'award', worker: a.agentKey, price: 99 },
  { ...head, type: 'delivery', hash: task, length: 10 },
  { ...head, type: 'fetch', hash: task },
  { ...head, type: 'artefact', artefact: utf8('42') },
  { ...head, type: 'rate', outcome: 1000, amount: 5, sig },
  { ...head, type: 'cosign', sig },
];

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as DecodeError).code;
  }
  return 'accepted';
};

describe('task messages (COSE_Sign1 agentnet/task/1)', () => {
  it.each(MSGS.map((m) => [m.type, m] as const))('%s round-trips', (_t, m) => {
    const d = decodeTaskMsg(encodeTaskMsg(m, sig), DEFAULT_LIMITS);
    expect(d.msg).toEqual(m);
    expect(d.signature).toEqual(sig);
  });

  it('rejects other content types, unknown fields, wrong types, out-of-range values and unknown versions', () => {
    const payload = (m: TaskMsg, extra: Array<[number, unknown]> = []) => {
      const map = new Map<number, unknown>([...(decodeMap(taskMsgPayload(m)) as Map<number, unknown>), ...extra]);
      return encodeSign1(CONTENT_TYPES.task, encodeCbor(new Map([...map].sort((x, y) => x[0] - y[0])) as never), sig);
    };
    expect(
      code(() => decodeTaskMsg(encodeSign1(CONTENT_TYPES.receipt, taskMsgPayload(MSGS[1]!), sig), DEFAULT_LIMITS)),
    ).toBe('BAD_COSE');
    expect(code(() => decodeTaskMsg(payload(MSGS[2]!, [[9, 1]]), DEFAULT_LIMITS))).toBe('UNKNOWN_FIELD');
    expect(code(() => decodeTaskMsg(payload(MSGS[2]!, [[7, a.binding]]), DEFAULT_LIMITS))).toBe('UNKNOWN_FIELD'); // a bid's field on an award
    expect(code(() => decodeTaskMsg(payload(MSGS[6]!, [[5, 1001]]), DEFAULT_LIMITS))).toBe('BAD_VALUE'); // outcome > 1000
    expect(code(() => decodeTaskMsg(payload(MSGS[1]!, [[5, 'cheap']]), DEFAULT_LIMITS))).toBe('BAD_TYPE');
    expect(code(() => decodeTaskMsg(payload(MSGS[1]!, [[0, 2]]), DEFAULT_LIMITS))).toBe('BAD_VERSION');
    expect(code(() => decodeTaskMsg(payload(MSGS[1]!, [[1, 9]]), DEFAULT_LIMITS))).toBe('BAD_VALUE');
    expect(code(() => decodeTaskMsg(payload(MSGS[3]!, [[2, new Uint8Array(31)]]), DEFAULT_LIMITS))).toBe('BAD_VALUE');
    expect(code(() => decodeTaskMsg(new Uint8Array([0xd2, 0x80]), DEFAULT_LIMITS))).toBe('BAD_COSE');
  });
});

describe('task terms in the announce body', () => {
  const terms = { mechanism: utf8('m'), deliverBy: T0 + 10, settleBy: T0 + 20 };
  const body = {
    kind: 'intent' as const,
    tags: ['x'],
    text: '',
    price: 5,
    deadline: T0 + 5,
    requiredTier: 2,
    constraints: encodeTerms(terms),
  };

  it('round-trips and checks deadline < deliverBy < settleBy', () => {
    expect(decodeTerms(body)).toEqual(terms);
    expect(code(() => decodeTerms({ ...body, constraints: encodeTerms({ ...terms, deliverBy: T0 + 5 }) }))).toBe(
      'BAD_VALUE',
    );
    expect(code(() => decodeTerms({ ...body, constraints: encodeTerms({ ...terms, settleBy: T0 + 10 }) }))).toBe(
      'BAD_VALUE',
    );
  });

  it('refuses bodies that are not task announces', () => {
    expect(code(() => decodeTerms({ ...body, kind: 'capability' }))).toBe('BAD_VALUE');
    expect(code(() => decodeTerms({ ...body, constraints: 'agentnet/mechanism/1:00' }))).toBe('BAD_VALUE');
    expect(code(() => decodeTerms({ ...body, constraints: TASK_PREFIX + 'zz' }))).toBe('BAD_VALUE');
    const { price: _p, ...noPrice } = body;
    expect(code(() => decodeTerms(noPrice))).toBe('MISSING_FIELD');
    expect(code(() => decodeTerms({ ...body, constraints: TASK_PREFIX + 'a0' }))).toBe('MISSING_FIELD');
  });
});

function decodeMap(b: Uint8Array) {
  return decodeCbor(b, { maxBytes: 1 << 16, maxDepth: 4 });
}
