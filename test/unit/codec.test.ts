import { describe, expect, it } from 'vitest';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { decodeBody, encodeBody } from '../../src/core/codec/body.js';
import { decodeCbor, encodeCbor, Tagged } from '../../src/core/codec/cbor.js';
import { decodeSign1, encodeSign1 } from '../../src/core/codec/cose.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeDirect, encodeDirect } from '../../src/core/codec/messages.js';
import { makeSketch } from '../../src/core/gossip/sketch.js';
import { crypto, decodeCode, identity, T0 } from '../helpers.js';

const alice = identity('alice');
const baseEntry: Entry = {
  author: alice.agentKey,
  topic: 'data_analysis',
  epoch: 0,
  seq: 1,
  kind: 'capability',
  ts: T0,
  expires: T0 + 1000,
  bodyHash: new Uint8Array(32).fill(7),
  bodyLen: 10,
  sketch: makeSketch(crypto, ['data.sql']),
  tier: 2,
};
const signed = (e: Entry) => encodeEntry(e, crypto.signer.sign(alice.agentSecret, entryToBeSigned(e)));
const codeOf = (f: () => unknown) => decodeCode(f, 'OK');

/** Re-encodes an entry's payload map with one field changed, and re-signs it (a well-signed bad entry). */
function withField(k: number, v: unknown | undefined): Uint8Array {
  const s = decodeSign1(signed(baseEntry), 'agentnet/entry/1', 512);
  const m = decodeCbor(s.payload, { maxBytes: 512 }) as Map<number, unknown>;
  if (v === undefined) m.delete(k);
  else m.set(k, v);
  const payload = encodeCbor(m as never);
  return encodeSign1('agentnet/entry/1', payload, new Uint8Array(64));
}

describe('entry codec', () => {
  it('round-trips', () => {
    const d = decodeEntry(signed(baseEntry), DEFAULT_LIMITS);
    expect(d.entry).toEqual(baseEntry);
    expect(crypto.verifier.verify(alice.agentKey, d.toBeSigned, d.signature)).toBe(true);
  });

  it.each([
    [0, 3, 'BAD_VERSION'],
    [0, 2, 'BAD_VALUE'], // version 2 without field 13 (key)
    [1, new Uint8Array(31), 'BAD_VALUE'],
    [2, 'Bad Topic', 'BAD_VALUE'],
    [2, 'x'.repeat(65), 'BAD_VALUE'],
    [4, 0, 'BAD_VALUE'],
    [5, new Uint8Array(32), 'BAD_VALUE'], // prev at seq 1
    [6, 5, 'BAD_VALUE'],
    [7, 'soon', 'BAD_TYPE'],
    [8, T0, 'BAD_VALUE'], // expires == ts
    [10, 64 * 1024 + 1, 'BAD_VALUE'], // bodyLen over the limit
    [12, 5, 'BAD_VALUE'],
    [13, 'k', 'BAD_VALUE'], // a key in a version 1 entry
    [13, 1, 'BAD_TYPE'],
    [14, 1, 'UNKNOWN_FIELD'],
    [9, undefined, 'MISSING_FIELD'],
    [11, -1, 'BAD_TYPE'],
  ])('field %i = %o -> %s', (k, v, c) => {
    expect(codeOf(() => decodeEntry(withField(k, v), DEFAULT_LIMITS))).toBe(c);
  });

  it('rejects another content type, a non-empty unprotected header, a short signature, an oversized header', () => {
    const b = signed(baseEntry);
    const s = decodeSign1(b, 'agentnet/entry/1', 512);
    expect(codeOf(() => decodeEntry(encodeSign1('agentnet/binding/1', s.payload, s.signature), DEFAULT_LIMITS))).toBe(
      'BAD_COSE',
    );
    const arr = (decodeCbor(b, { maxBytes: 512, tags: [18] }) as Tagged).value as unknown[];
    expect(
      codeOf(() =>
        decodeEntry(
          encodeCbor(new Tagged(18, [arr[0], new Map([[4, new Uint8Array(1)]]), arr[2], arr[3]] as never)),
          DEFAULT_LIMITS,
        ),
      ),
    ).toBe('BAD_COSE');
    expect(
      codeOf(() =>
        decodeEntry(
          encodeCbor(new Tagged(18, [arr[0], new Map(), arr[2], new Uint8Array(63)] as never)),
          DEFAULT_LIMITS,
        ),
      ),
    ).toBe('BAD_COSE');
    expect(codeOf(() => decodeEntry(encodeCbor(new Tagged(98, arr as never)), DEFAULT_LIMITS))).toBe('UNSUPPORTED');
    expect(codeOf(() => decodeEntry(new Uint8Array(513), DEFAULT_LIMITS))).toBe('TOO_LARGE');
  });

  it('every truncation of a valid entry fails with DecodeError', () => {
    const b = signed(baseEntry);
    for (let n = 0; n < b.length; n++)
      expect(codeOf(() => decodeEntry(b.subarray(0, n), DEFAULT_LIMITS))).not.toBe('OK');
  });
});

describe('body codec', () => {
  it('round-trips all fields and enforces tag rules and limits', () => {
    const body = {
      kind: 'intent' as const,
      tags: ['a.b', 'c'],
      text: 'x',
      skills: ['s'],
      tools: ['t'],
      price: 3,
      deadline: T0,
      sla: '99%',
      requiredTier: 3,
      constraints: 'mech:v1',
    };
    expect(decodeBody(encodeBody(body), DEFAULT_LIMITS)).toEqual(body);
    expect(codeOf(() => decodeBody(encodeBody({ kind: 'intent', tags: ['Upper'], text: '' }), DEFAULT_LIMITS))).toBe(
      'BAD_VALUE',
    );
    expect(
      codeOf(() =>
        decodeBody(
          encodeBody({ kind: 'intent', tags: Array.from({ length: 33 }, (_, i) => `t${i}`), text: '' }),
          DEFAULT_LIMITS,
        ),
      ),
    ).toBe('BAD_VALUE');
    expect(
      codeOf(() => decodeBody(encodeBody({ kind: 'intent', tags: ['a'.repeat(49)], text: '' }), DEFAULT_LIMITS)),
    ).toBe('BAD_VALUE');
    expect(
      codeOf(() => decodeBody(encodeBody({ kind: 'intent', tags: [], text: 'x'.repeat(70_000) }), DEFAULT_LIMITS)),
    ).toBe('TOO_LARGE');
  });
});

describe('binding codec', () => {
  it('decodes with both signers in order and rejects swapped signers', () => {
    const b = decodeBinding(alice.binding, DEFAULT_LIMITS);
    expect(b.signers.map((s) => s.kid)).toEqual([b.binding.operatorKey, b.binding.agentKey]);
    const arr = (decodeCbor(alice.binding, { maxBytes: 4096, tags: [98] }) as Tagged).value as unknown[];
    const sigs = arr[3] as unknown[];
    const swapped = encodeCbor(new Tagged(98, [arr[0], arr[1], arr[2], [sigs[1], sigs[0]]] as never));
    expect(codeOf(() => decodeBinding(swapped, DEFAULT_LIMITS))).toBe('BAD_COSE');
    const one = encodeCbor(new Tagged(98, [arr[0], arr[1], arr[2], [sigs[0]]] as never));
    expect(codeOf(() => decodeBinding(one, DEFAULT_LIMITS))).toBe('BAD_COSE');
  });
});

describe('direct messages', () => {
  it('round-trip and bound their ranges', () => {
    const d = {
      type: 'getEntries' as const,
      from: alice.agentKey,
      author: alice.agentKey,
      topic: 't',
      epoch: 0,
      fromSeq: 1,
      toSeq: 64,
    };
    expect(decodeDirect(encodeDirect(d), DEFAULT_LIMITS)).toEqual(d);
    expect(codeOf(() => decodeDirect(encodeDirect({ ...d, toSeq: 65 }), DEFAULT_LIMITS))).toBe('BAD_VALUE');
    expect(codeOf(() => decodeDirect(encodeDirect({ ...d, fromSeq: 5, toSeq: 4 }), DEFAULT_LIMITS))).toBe('BAD_VALUE');
  });
});
