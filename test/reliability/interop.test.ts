// Interop of the wire format (docs/reliability.md item 9): our entries, bindings, births and frontiers decode with an
// independent CBOR decoder (cbor-x) into the RFC 9052 COSE structures, and their signatures check with
// an independent Ed25519 implementation (tweetnacl) over Sig_structures rebuilt here from RFC 9052 §4.4
// with that independent encoder: nothing of our codec is trusted by this test.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder, Encoder, Tag } from 'cbor-x';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/golden.json'), 'utf8')) as Record<
  string,
  string
>;
const dec = new Decoder({ mapsAsObjects: false, useRecords: false } as never);
const enc = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  variableMapSize: true,
  tagUint8Array: false,
} as never);
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/** COSE_Sign1 (tag 18): [protected bstr, unprotected map, payload bstr, signature bstr]. */
function checkSign1(hex: string, contentType: string): Map<number, unknown> {
  const t = dec.decode(bytes(hex)) as Tag;
  expect(t.tag).toBe(18);
  const [prot, unprot, payload, sig] = t.value as [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
  const hdr = dec.decode(prot) as Map<number, unknown>;
  expect(hdr.get(1)).toBe(-8); // EdDSA
  expect(hdr.get(3)).toBe(contentType);
  expect(unprot.size).toBe(0);
  const body = dec.decode(payload) as Map<number, unknown>;
  const author = u8(body.get(1));
  // RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload]
  const tbs = enc.encode(['Signature1', prot, new Uint8Array(0), payload]);
  expect(nacl.sign.detached.verify(u8(tbs), u8(sig), author)).toBe(true);
  const flipped = u8(tbs);
  flipped[flipped.length - 1]! ^= 1;
  expect(nacl.sign.detached.verify(flipped, u8(sig), author)).toBe(false);
  return body;
}

describe('wire interop with independent implementations (cbor-x, tweetnacl)', () => {
  it('entries: COSE_Sign1, signature over the standard Sig_structure', () => {
    const e = checkSign1(golden['entry1']!, 'agentnet/entry/1');
    expect(e.get(2)).toBe('code_review_security');
    expect(e.get(4)).toBe(1);
    const e2 = checkSign1(golden['entry2']!, 'agentnet/entry/1');
    expect(Buffer.from(u8(e2.get(5))).toString('hex')).toBe(golden['entry1Id']);
  });

  it('births and frontiers', () => {
    expect(checkSign1(golden['birth']!, 'agentnet/birth/1').get(5)).toBe(true);
    expect(checkSign1(golden['frontier']!, 'agentnet/frontier/1').get(4)).toBe(2);
  });

  it('bindings: COSE_Sign (tag 98) with operator and agent signatures', () => {
    const t = dec.decode(bytes(golden['binding']!)) as Tag;
    expect(t.tag).toBe(98);
    const [prot, , payload, sigs] = t.value as [
      Uint8Array,
      unknown,
      Uint8Array,
      Array<[Uint8Array, unknown, Uint8Array]>,
    ];
    expect((dec.decode(prot) as Map<number, unknown>).get(3)).toBe('agentnet/binding/1');
    const b = dec.decode(payload) as Map<number, unknown>;
    expect(sigs).toHaveLength(2);
    const kids = sigs.map(([sp, , sig]) => {
      const kid = u8((dec.decode(sp) as Map<number, unknown>).get(4));
      // RFC 9052 §4.4: ["Signature", body_protected, sign_protected, external_aad, payload]
      const tbs = enc.encode(['Signature', prot, sp, new Uint8Array(0), payload]);
      expect(nacl.sign.detached.verify(u8(tbs), u8(sig), kid)).toBe(true);
      return Buffer.from(kid).toString('hex');
    });
    expect(kids).toEqual([Buffer.from(u8(b.get(3))).toString('hex'), Buffer.from(u8(b.get(2))).toString('hex')]);
  });
});
