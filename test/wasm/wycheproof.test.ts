// Project Wycheproof Ed25519 (C2SP/wycheproof testvectors_v1/ed25519_test.json, Apache-2.0), kept in
// test/fixtures/wycheproof/ with its licence (README.md there), so this suite always runs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hex, kernels, node, noble, root, ruleOracle, type SigItem } from './helpers.js';

const file = resolve(root, 'test/fixtures/wycheproof/ed25519_test.json');

interface Case {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
}
interface Group {
  publicKey: { pk: string };
  tests: Case[];
}

describe('Wycheproof EddsaVerify ed25519', () => {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { numberOfTests: number; testGroups: Group[] };
  const cases = data.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pub: hex(g.publicKey.pk) })));
  // Wycheproof 'acceptable' means either answer is allowed; this file has none, and our rule would
  // map such a case to whatever the rule says (checked against ruleOracle below).
  const expected = (c: Case): boolean | null => (c.result === 'valid' ? true : c.result === 'invalid' ? false : null);

  it('has the 151 cases its README describes', () => {
    expect(cases.length).toBe(data.numberOfTests);
    expect(cases.length).toBe(151);
  });

  for (const [kernel, wasm] of kernels) {
    it(`wasm single (${kernel} kernel) matches the expected result on every case`, () => {
      const wrong = cases.filter(
        (c) => expected(c) !== null && wasm.verify(c.pub, hex(c.msg), hex(c.sig)) !== expected(c),
      );
      expect(wrong.map((c) => `${c.tcId} ${c.comment}`)).toEqual([]);
    });

    it(`wasm batch (${kernel} kernel; all 151 in one call, and in chunks of 7) matches the expected result on every case`, () => {
      const items: SigItem[] = cases.map((c) => ({ pub: c.pub, msg: hex(c.msg), sig: hex(c.sig) }));
      const want = cases.map((c) => expected(c));
      expect(wasm.verifyBatch(items)).toEqual(want);
      for (let i = 0; i < items.length; i += 7)
        expect(wasm.verifyBatch(items.slice(i, i + 7))).toEqual(want.slice(i, i + 7));
    });
  }

  it('the independent BigInt rule oracle agrees with Wycheproof on every case', () => {
    const wrong = cases.filter((c) => ruleOracle(c.pub, hex(c.msg), hex(c.sig)) !== expected(c));
    expect(wrong.map((c) => c.tcId)).toEqual([]);
  });

  it('records where node:crypto and noble differ from Wycheproof (docs/verification.md)', () => {
    const diff = (v: typeof node) =>
      cases.filter((c) => v.verify(c.pub, hex(c.msg), hex(c.sig)) !== expected(c)).map((c) => c.tcId);
    const nodeDiff = diff(node),
      nobleDiff = diff(noble);
    console.log(
      `[wycheproof] node:crypto differs on ${JSON.stringify(nodeDiff)}; noble differs on ${JSON.stringify(nobleDiff)}`,
    );
    expect(nodeDiff).toEqual([]);
    expect(nobleDiff).toEqual([]);
  });
});
