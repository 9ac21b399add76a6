// The operator tools through the built CLI: verify (single and batch), keygen/bind with pre-rotation,
// rotate, revoke, registry and credential, and the files they write checked at T2/T3 by the core.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { crypto, seed } from '../helpers.js';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
const dir = mkdtempSync(join(tmpdir(), 'agentnet-cli-'));
const f = (n: string) => join(dir, n);
const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', cwd: dir });
const read = (n: string) => new Uint8Array(readFileSync(f(n)));

describe('agentnet verify', () => {
  const msg = new Uint8Array([1, 2, 3]);
  const good = {
    pub: toHex(crypto.signer.publicKey(seed('v'))),
    msg: toHex(msg),
    sig: toHex(crypto.signer.sign(seed('v'), msg)),
  };
  const bad = { ...good, msg: '010204' };

  it('checks one signature (exit 0 valid, 1 invalid) and case files through the single and batch paths', () => {
    expect(cli('verify', '--pub', good.pub, '--msg', good.msg, '--sig', good.sig).status).toBe(0);
    expect(cli('verify', '--pub', bad.pub, '--msg', bad.msg, '--sig', bad.sig).status).toBe(1);
    const cases = [good, bad, good, { ...good, sig: good.sig.slice(0, 120) + 'ffff' }];
    writeFileSync(f('cases.json'), JSON.stringify(cases));
    expect(JSON.parse(cli('verify', '--cases', f('cases.json')).stdout)).toEqual([true, false, true, false]);
    expect(JSON.parse(cli('verify', '--cases', f('cases.json'), '--batch').stdout)).toEqual([true, false, true, false]);
    writeFileSync(f('broken.json'), '{"not": "an array"}');
    expect(cli('verify', '--cases', f('broken.json')).status).toBe(2);
  });
});

describe('identity tools', () => {
  it('bind with a committed next key, rotate to it, refuse a rotation to another key, revoke', () => {
    for (const k of ['op', 'a1', 'a2', 'a3']) expect(cli('keygen', '--out', f(`${k}.key`)).status).toBe(0);
    expect(cli('keygen', '--out', f('op.key')).status).toBe(2); // never overwrites a key
    expect(
      cli(
        'bind',
        '--operator-key',
        f('op.key'),
        '--agent-key',
        f('a1.key'),
        '--next-key',
        f('a2.key.pub'),
        '--out',
        f('b1.cbor'),
      ).status,
    ).toBe(0);
    expect(
      cli(
        'rotate',
        '--operator-key',
        f('op.key'),
        '--previous',
        f('b1.cbor'),
        '--agent-key',
        f('a3.key'),
        '--out',
        f('bad.cbor'),
      ).status,
    ).toBe(2);
    expect(
      cli(
        'rotate',
        '--operator-key',
        f('op.key'),
        '--previous',
        f('b1.cbor'),
        '--agent-key',
        f('a2.key'),
        '--out',
        f('b2.cbor'),
      ).status,
    ).toBe(0);
    // Another operator's key did not sign b1: refused (exit 2, nothing written), as revoke refuses it.
    expect(cli('keygen', '--out', f('op2.key')).status).toBe(0);
    expect(cli('keygen', '--out', f('a4.key')).status).toBe(0);
    const wrong = cli(
      'rotate',
      '--operator-key',
      f('op2.key'),
      '--previous',
      f('b2.cbor'),
      '--agent-key',
      f('a4.key'),
      '--out',
      f('wrong.cbor'),
    );
    expect([wrong.status, wrong.stderr]).toEqual([2, expect.stringMatching(/operator key is not the one that signed/)]);
    expect(existsSync(f('wrong.cbor'))).toBe(false);
    // A previous binding with a flipped signature byte is refused too.
    const flipped = read('b2.cbor');
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    writeFileSync(f('b2-flipped.cbor'), flipped);
    const broken = cli(
      'rotate',
      '--operator-key',
      f('op.key'),
      '--previous',
      f('b2-flipped.cbor'),
      '--agent-key',
      f('a4.key'),
      '--out',
      f('wrong.cbor'),
    );
    expect([broken.status, broken.stderr]).toEqual([2, expect.stringMatching(/previous binding: .*signature/)]);
    expect(
      cli(
        'revoke',
        '--operator-key',
        f('op.key'),
        '--binding',
        f('b2.cbor'),
        '--reason',
        'lost device',
        '--out',
        f('rev.cbor'),
      ).status,
    ).toBe(0);

    const v = new IdentityTiers(crypto, DEFAULT_LIMITS);
    const now = Date.now();
    expect(v.acceptBinding(read('b1.cbor'), now).ok).toBe(true);
    expect(v.acceptBinding(read('b2.cbor'), now).ok).toBe(true);
    const [b1, b2] = [
      decodeBinding(read('b1.cbor'), DEFAULT_LIMITS).binding,
      decodeBinding(read('b2.cbor'), DEFAULT_LIMITS).binding,
    ];
    expect(toHex(b1.baid)).toBe(toHex(b2.baid)); // a rotation keeps the baid
    expect(v.acceptRevocation(read('rev.cbor')).ok).toBe(true);
    expect(v.tierOf(toHex(b2.agentKey), Date.now() + 1000)).toBe(0);
  });

  it('registry (2 of 3 registrars) and credential make an agent T3', () => {
    for (const r of ['r1', 'r2', 'r3']) expect(cli('registry', 'init', '--dir', f(r)).status).toBe(0);
    expect(cli('keygen', '--out', f('kyc.key')).status).toBe(0);
    const b = decodeBinding(read('b1.cbor'), DEFAULT_LIMITS).binding;
    expect(cli('registry', 'attest', '--dir', f('r1'), '--code-hash', toHex(seed('other code'))).status).toBe(0);
    expect(cli('registry', 'attest', '--dir', f('r1'), '--code-hash', toHex(b.codeHash)).status).toBe(0);
    expect(
      cli(
        'registry',
        'checkpoint',
        '--dir',
        f('r1'),
        '--key',
        f('r1/registrar.key'),
        '--key',
        f('r2/registrar.key'),
        '--out',
        f('cp.cbor'),
      ).status,
    ).toBe(0);
    expect(
      cli('registry', 'prove', '--dir', f('r1'), '--code-hash', toHex(b.codeHash), '--out', f('inc.cbor')).status,
    ).toBe(0);
    expect(
      cli('registry', 'prove', '--dir', f('r1'), '--code-hash', toHex(seed('never')), '--out', f('x.cbor')).status,
    ).toBe(2);
    expect(
      cli(
        'credential',
        '--issuer-key',
        f('kyc.key'),
        '--operator',
        f('op.key.pub'),
        '--level',
        '3',
        '--out',
        f('op.cred'),
      ).status,
    ).toBe(0);

    const pubOf = (p: string) => readFileSync(f(p), 'utf8').trim();
    const trust = {
      registrars: new Set(['r1', 'r2', 'r3'].map((r) => pubOf(`${r}/registrar.key.pub`))),
      threshold: 2,
      issuers: new Set([pubOf('kyc.key.pub')]),
      minLevel: 2,
    };
    const v = new IdentityTiers(crypto, DEFAULT_LIMITS);
    v.acceptBinding(read('b1.cbor'), Date.now());
    const agent = toHex(b.agentKey);
    expect(
      v.attest(
        agent,
        { checkpoint: read('cp.cbor'), inclusion: read('inc.cbor'), credential: read('op.cred') },
        trust,
        Date.now(),
      ).ok,
    ).toBe(true);
    expect(
      v.attest(
        agent,
        { checkpoint: read('cp.cbor'), inclusion: read('inc.cbor'), credential: read('op.cred') },
        { ...trust, threshold: 3 },
        Date.now(),
      ).ok,
    ).toBe(false);
  });
});

describe('agentnet bench verify', () => {
  it('prints its table and writes the documented JSON and the --plot SVG (structure only: timings are not asserted)', () => {
    const r = cli('bench', 'verify', '--rounds', '5', '--json', f('bench.json'), '--plot', f('bench.svg'));
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('\r'); // stdout is a pipe: no progress bar
    const svg = readFileSync(f('bench.svg'), 'utf8');
    expect(svg.match(/<svg /g)).toHaveLength(3); // the document and its two panels
    expect(r.stdout).toContain('| wasm-batch-64 |');
    expect(r.stdout).toContain('| wasm-simd-batch-64 |');
    expect(r.stdout).toMatch(/machine load \(1-min average over \d+ cores\): [\d.]+ at start, [\d.]+ at end/);
    const j = JSON.parse(readFileSync(f('bench.json'), 'utf8'));
    expect(Object.keys(j.device).sort()).toEqual(['arch', 'cores', 'cpu', 'kernel', 'node', 'profile']);
    expect(j.device.kernel).toBe('ed25519.simd'); // generic-x64 is `wasm: auto` and Node has WASM SIMD
    // Scalar and SIMD kernels side by side, each against node:crypto of the same run.
    for (const k of ['wasm-single', 'wasm-batch-64', 'wasm-simd-single', 'wasm-simd-batch-64', 'node-crypto', 'noble'])
      expect(j.implementations[k].opsPerSec).toBeGreaterThan(0);
    for (const k of [
      'wasm-single / node-crypto',
      'wasm-batch-64 / node-crypto',
      'wasm-simd-single / node-crypto',
      'wasm-simd-batch-64 / node-crypto',
      'wasm-simd-single / wasm-single',
      'wasm-simd-batch-64 / wasm-batch-64',
    ])
      expect(j.pairedRatios[k]).toBeGreaterThan(0);
    expect(j.load.loadAvg1Start).toBeGreaterThanOrEqual(0);
    expect(j.load.loadAvg1End).toBeGreaterThanOrEqual(0);
    for (const k of ['T0', 'T1', 'T2', 'T3']) expect(j.tiers[k].usPerOp).toBeGreaterThan(0);
    expect(j.wasmMemoryBytes).toBeGreaterThan(0);
    for (const k of Object.keys(j.implementations)) expect(svg).toContain(`<title>ops/s / ${k}: `);
    for (const k of Object.keys(j.tiers)) expect(svg).toContain(`<title>µs/op / ${k}: `);
  }, 120_000);
});

describe('agentnet mechanism evolve', () => {
  it('runs the loop to 0 IC / 0 IR and writes the documented JSON', () => {
    const r = cli('mechanism', 'evolve', '--rounds', '20', '--seed', '3', '--json', f('evolve.json'));
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(f('evolve.json'), 'utf8'));
    expect(j.rounds.length).toBeGreaterThan(0);
    for (const k of ['version', 'icViolations', 'irViolations', 'systemLoss', 'regressionPass', 'accepted', 'edit'])
      expect(j.rounds[0]).toHaveProperty(k);
    expect(j.final).toMatchObject({ icViolations: 0, irViolations: 0 });
    expect(j.final.systemLoss).toBeLessThanOrEqual(0.1 * j.naive.systemLoss);
    for (const round of j.rounds) if (round.accepted) expect(round.regressionPass).toBe(1);
    expect(cli('mechanism', 'evolve', '--attributor', 'llm').status).toBe(2); // needs --llm-url
  }, 120_000);
});

describe('agentnet sim trust / bench trust', () => {
  it('writes the documented experiment JSON for every method (reduced run)', () => {
    const r = cli(
      'sim',
      'trust',
      '--seeds',
      '2',
      '--epochs',
      '12',
      '--attackers',
      '0.2',
      '--json',
      f('trust.json'),
      '--plot',
      f('trust.svg'),
    );
    expect(r.status).toBe(0);
    const svg = readFileSync(f('trust.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const m of ['mg', 'flat', 'perTopic']) expect(svg).toContain(`data-series="${m}"`); // trust mass per epoch, per method
    const j = JSON.parse(readFileSync(f('trust.json'), 'utf8'));
    expect(Object.keys(j.methods).sort()).toEqual([
      'flat',
      'mg',
      'mg-noGate',
      'mg-noSemantic',
      'mg-noSlash',
      'perTopic',
      'random',
    ]);
    for (const m of Object.values(j.methods) as Array<Record<string, unknown>>) {
      for (const k of [
        'attackSuccess',
        'attackerRoi',
        'detectionRate',
        'missRate',
        'falsePositiveRate',
        'entriesPerEpoch',
        'coldStart',
        'ci',
      ])
        expect(m).toHaveProperty(k);
    }
    expect(j.params.attackers).toBe(20);
    expect(cli('sim', 'trust', '--threat', 'Z').status).toBe(2);
  }, 120_000);

  it('bench trust compares the WASM kernel with the TypeScript reference in one run', () => {
    const r = cli('bench', 'trust', '--sizes', '1000', '--rounds', '3', '--json', f('bt.json'));
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(f('bt.json'), 'utf8'));
    expect(j.rows[0]).toMatchObject({ n: 1000, topics: 5, maxAbsDiff: 0 });
    expect(j.rows[0].ratio).toBeGreaterThan(0);
  }, 120_000);
});

describe('agentnet sim discovery', () => {
  it('writes the documented JSON for bodyless, broadcast, registry and kademlia (reduced run), deterministically', () => {
    const run = (out: string) =>
      cli('sim', 'discovery', '--nodes', '24', '--seeds', '1', '--json', f(out), '--plot', f(`${out}.svg`));
    expect(run('d1.json').status).toBe(0);
    expect(run('d2.json').status).toBe(0);
    const j = JSON.parse(readFileSync(f('d1.json'), 'utf8'));
    for (const m of ['bodyless', 'broadcast', 'registry', 'kademlia'])
      for (const k of ['success', 'bytesPerRequest', 'p50Ms', 'p95Ms', 'ci']) expect(j.methods[m]).toHaveProperty(k);
    expect(readFileSync(f('d1.json'), 'utf8')).toBe(readFileSync(f('d2.json'), 'utf8'));
    const svg = readFileSync(f('d1.json.svg'), 'utf8');
    for (const m of ['bodyless', 'registry']) expect(svg).toContain(`data-series="${m}"`); // latency CDF per method
  }, 120_000);

  it('--methods runs the named subset; an unknown method is a usage error', () => {
    const r = cli(
      'sim',
      'discovery',
      '--nodes',
      '16',
      '--seeds',
      '1',
      '--methods',
      'kademlia,registry',
      '--json',
      f('dm.json'),
    );
    expect(r.status).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(f('dm.json'), 'utf8')).methods)).toEqual(['kademlia', 'registry']);
    expect(cli('sim', 'discovery', '--nodes', '16', '--seeds', '1', '--methods', 'kademlia,dht').status).toBe(2);
  }, 120_000);
});
