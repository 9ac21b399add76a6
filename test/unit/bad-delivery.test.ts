// Acceptance checks (core/codec/accept.ts), their place in a task's terms (codec/task.ts ACCEPT), the API's
// request field (core/api/accept-request.ts) and bad-delivery proofs (identity/bad-delivery.ts): a proof verifies
// with the keys and the check alone; every way a proof can fail to prove a bad delivery is refused with its detail.

import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/base/bytes.js';
import { encodeBody, decodeBody } from '../../src/core/codec/body.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeTerms, encodeTerms, TASK_PREFIX, type AcceptCheck } from '../../src/core/codec/task.js';
import { encodeCbor } from '../../src/core/codec/cbor.js';
import {
  badDeliveryKey,
  checkBadDeliveryProof,
  decodeBadDeliveryProof,
  encodeBadDeliveryProof,
  isBadDeliveryKey,
  proveBadDelivery,
} from '../../src/core/identity/bad-delivery.js';
import { naiveMechanism } from '../../src/core/market/mechanism.js';
import { signMechanism } from '../../src/core/market/signed.js';
import { checkAcceptance } from '../../src/core/codec/accept.js';
import { acceptOf, acceptProblem } from '../../src/core/api/accept-request.js';
import { crypto, identity, T0, decodeCode, hex, signedDelivery, taskAnnounce } from '../helpers.js';

const JSON_CHECK: AcceptCheck = {
  kind: 'json',
  members: [
    ['rows', 'number'],
    ['sql', 'string'],
  ],
};
const verdict = (c: AcceptCheck, s: string | Uint8Array) =>
  checkAcceptance(crypto, c, typeof s === 'string' ? utf8(s) : s);

describe('acceptance checks', () => {
  it('json: an object with each member of its type passes; every other artefact fails with the condition', () => {
    expect(verdict(JSON_CHECK, '{"rows": 3, "sql": "select", "extra": [1]}')).toEqual({ ok: true });
    expect(verdict(JSON_CHECK, '{"rows": 3}')).toEqual({ ok: false, detail: 'member "sql" is missing' });
    expect(verdict(JSON_CHECK, '{"rows": "3", "sql": "x"}')).toEqual({
      ok: false,
      detail: 'member "rows" is string, not number',
    });
    expect(verdict(JSON_CHECK, '{"rows": null, "sql": "x"}')).toMatchObject({ detail: /is null, not number/ });
    expect(verdict(JSON_CHECK, '[{"rows": 3, "sql": "x"}]')).toMatchObject({ detail: /JSON array, not an object/ });
    expect(verdict(JSON_CHECK, 'rows=3')).toMatchObject({ detail: 'the artefact is not UTF-8 JSON' });
    expect(verdict(JSON_CHECK, new Uint8Array([0x7b, 0xff, 0x7d]))).toMatchObject({ detail: /not UTF-8 JSON/ });
    // an inherited name is not a member
    expect(verdict({ kind: 'json', members: [['toString', 'object']] }, '{}')).toMatchObject({ detail: /missing/ });
  });

  it('sha256: exactly the bytes of the digest', () => {
    const want = utf8('the file');
    const c: AcceptCheck = { kind: 'sha256', digest: crypto.sha256(want) };
    expect(verdict(c, want)).toEqual({ ok: true });
    expect(verdict(c, 'the file ')).toEqual({ ok: false, detail: 'the artefact does not hash to the digest' });
  });

  it('travels in the terms and reads back; terms without one read as before', () => {
    const mechanism = signMechanism(crypto.signer, identity('r').agentSecret, naiveMechanism());
    const terms = { mechanism, deliverBy: T0 + 2, settleBy: T0 + 3 };
    const body = (constraints: string) =>
      decodeBody(
        encodeBody({
          kind: 'intent',
          tags: ['a'],
          text: 't',
          price: 1,
          deadline: T0 + 1,
          requiredTier: 2,
          constraints,
        }),
        DEFAULT_LIMITS,
      );
    expect(decodeTerms(body(encodeTerms({ ...terms, accept: JSON_CHECK })))).toEqual({ ...terms, accept: JSON_CHECK });
    const sha: AcceptCheck = { kind: 'sha256', digest: crypto.sha256(utf8('x')) };
    expect(decodeTerms(body(encodeTerms({ ...terms, accept: sha }))).accept).toEqual(sha);
    expect(decodeTerms(body(encodeTerms(terms)))).toEqual(terms);
    // a check whose fields do not fit its kind, or names a member twice, is a malformed announce
    const raw = (accept: Map<number, unknown>) =>
      TASK_PREFIX +
      hex(
        encodeCbor(
          new Map<number, unknown>([
            [0, 1],
            [1, mechanism],
            [2, T0 + 2],
            [3, T0 + 3],
            [4, accept],
          ]) as never,
        ),
      );
    const m = (...kv: [number, unknown][]) => new Map<number, unknown>([[0, 1], ...kv]);
    expect(decodeCode(() => decodeTerms(body(raw(m([1, 1])))))).toBe('BAD_VALUE'); // sha256 without digest
    expect(decodeCode(() => decodeTerms(body(raw(m([1, 2], [2, crypto.sha256(utf8('x'))])))))).toBe('BAD_VALUE');
    expect(
      decodeCode(() =>
        decodeTerms(
          body(
            raw(
              m(
                [1, 2],
                [
                  3,
                  [
                    ['a', 1],
                    ['a', 0],
                  ],
                ],
              ),
            ),
          ),
        ),
      ),
    ).toBe('BAD_VALUE');
    expect(decodeCode(() => decodeTerms(body(raw(m([1, 3])))))).toBe('BAD_VALUE'); // unknown kind
    expect(decodeCode(() => decodeTerms(body(raw(m([1, 2], [3, [['a', 9]]])))))).toBe('BAD_VALUE'); // unknown type
  });

  it('the API field refuses what the wire would not carry, naming the rule', () => {
    expect(acceptProblem({ kind: 'json', members: [['rows', 'number']] })).toBeUndefined();
    expect(acceptProblem({ kind: 'sha256', digest: 'ab'.repeat(32) })).toBeUndefined();
    expect(acceptProblem('json')).toMatch(/JSON object/);
    expect(acceptProblem({ kind: 'xml' })).toMatch(/kind must be sha256 or json/);
    expect(acceptProblem({ kind: 'sha256', digest: 'AB'.repeat(32) })).toMatch(/64 lowercase hex/);
    expect(acceptProblem({ kind: 'json', members: [] })).toMatch(/1..16/);
    expect(acceptProblem({ kind: 'json', members: Array(17).fill(['a', 'number']) })).toMatch(/1..16/);
    expect(acceptProblem({ kind: 'json', members: [['a', 'integer']] })).toMatch(/type must be one of/);
    expect(acceptProblem({ kind: 'json', members: [['a'.repeat(33), 'number']] })).toMatch(/1..32 bytes/);
    expect(
      acceptProblem({
        kind: 'json',
        members: [
          ['a', 'number'],
          ['a', 'string'],
        ],
      }),
    ).toMatch(/named twice/);
    expect(acceptProblem({ kind: 'json', members: [['a', 'number']], digest: 'ab'.repeat(32) })).toMatch(
      /not a digest/,
    );
    expect(acceptProblem({ kind: 'json', members: [['a', 'number']], extra: 1 })).toMatch(/no field extra/);
    expect(() => acceptOf({ kind: 'json' })).toThrow(/^accept: members must be/);
  });
});

describe('bad-delivery proofs', () => {
  const rita = identity('rita');
  const wes = identity('wes');
  const announce = (accept: AcceptCheck | undefined, signer = rita) =>
    taskAnnounce({ requester: rita, signer: signer.agentSecret, ...(accept ? { accept } : {}) });
  const delivery = (task: Uint8Array, artefact: Uint8Array, signer = wes, key = wes.agentKey) =>
    signedDelivery(task, artefact, key, signer.agentSecret);
  const bad = utf8('{"rows": "twelve", "sql": "select"}');
  const good = utf8('{"rows": 12, "sql": "select"}');
  const a = announce(JSON_CHECK);
  const proof = (over: Partial<Parameters<typeof encodeBadDeliveryProof>[0]> = {}) =>
    encodeBadDeliveryProof({
      announce: a.entry,
      body: a.body,
      delivery: delivery(a.task, bad),
      artefact: bad,
      ...over,
    });
  const detail = (b: Uint8Array) => {
    const r = checkBadDeliveryProof(crypto, DEFAULT_LIMITS, b);
    return r.ok ? 'ok' : r.detail;
  };

  it('a delivery that fails the check is proven with the keys and the check alone', () => {
    const r = checkBadDeliveryProof(crypto, DEFAULT_LIMITS, proof());
    expect(r).toMatchObject({
      ok: true,
      proof: {
        kind: 'bad-delivery',
        author: hex(wes.agentKey),
        requester: hex(rita.agentKey),
        topic: 'data_analysis',
        task: hex(a.task),
        failure: 'member "rows" is string, not number',
      },
    });
    expect(decodeBadDeliveryProof(proof(), DEFAULT_LIMITS).artefact).toEqual(bad);
    expect(badDeliveryKey(hex(wes.agentKey))).toBe(`${hex(wes.agentKey)}.delivery`);
    expect(isBadDeliveryKey(badDeliveryKey('ab'))).toBe(true);
    expect(isBadDeliveryKey('ab.award')).toBe(false);
    expect(
      proveBadDelivery(crypto, DEFAULT_LIMITS, {
        announce: a.entry,
        body: a.body,
        delivery: delivery(a.task, bad),
        artefact: bad,
      }),
    ).toEqual(proof());
  });

  it('refuses every proof that proves nothing, saying why', () => {
    // the artefact passes the check: the requester cannot frame a worker
    expect(detail(proof({ delivery: delivery(a.task, good), artefact: good }))).toBe(
      "the artefact passes the task's acceptance check",
    );
    // an artefact other than the one the worker signed for
    expect(detail(proof({ artefact: utf8('{"rows": "x"}') }))).toMatch(/not the delivered one/);
    // the worker's signature forged by the requester
    expect(detail(proof({ delivery: delivery(a.task, bad, rita, wes.agentKey) }))).toBe(
      'the delivery is not signed by its worker',
    );
    // the announce re-signed by someone else (same bytes otherwise): its id changes, so it is not the delivered task
    const other = announce(JSON_CHECK, wes);
    expect(detail(proof({ announce: other.entry }))).toMatch(/not the delivered task/);
    expect(
      detail(
        encodeBadDeliveryProof({
          announce: other.entry,
          body: other.body,
          delivery: delivery(other.task, bad),
          artefact: bad,
        }),
      ),
    ).toBe('the announce is not signed by its requester');
    // a task without a check proves nothing about any artefact
    const none = announce(undefined);
    expect(
      detail(
        encodeBadDeliveryProof({
          announce: none.entry,
          body: none.body,
          delivery: delivery(none.task, bad),
          artefact: bad,
        }),
      ),
    ).toBe('the task names no acceptance check');
    // a body other than the announce's
    expect(detail(proof({ body: announce(undefined).body }))).toMatch(/body does not match/);
    // the requester's own "delivery"
    expect(detail(proof({ delivery: delivery(a.task, bad, rita, rita.agentKey) }))).toMatch(
      /signed by the task's requester/,
    );
    // garbage and oversize
    expect(detail(utf8('not cbor'))).toMatch(/^malformed/);
    expect(detail(new Uint8Array(DEFAULT_LIMITS.messageBytes + 1))).toMatch(/^malformed: .*bad-delivery proof of/);
  });
});
