// `agentnet verify` (check signatures by hand) and `agentnet bench verify` (per-device overhead).

import { readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchTiers } from '../bench/tiers.js';
import { benchVerify, formatPaired, formatTable, loadLine, targetLines } from '../bench/verify.js';
import { fromHex } from '../core/base/bytes.js';
import { makeCryptoPort } from '../runtime/crypto-port.js';
import { loadProfile } from '../runtime/profile.js';
import { defaultVerifier, verifierFallbackReason } from '../runtime/verifier.js';
import { findEd25519Wasm, instantiateEd25519 } from '../runtime/wasm/ed25519.js';
import { chooseKernel } from '../runtime/wasm/simd.js';
import { barChart, stack } from '../runtime/plot/svg.js';
import { intFlag, UsageError } from './args.js';
import { createProgress } from './progress.js';

export const VERIFY_HELP = `Usage: agentnet verify --pub HEX --msg HEX --sig HEX
       agentnet verify --cases FILE.json [--batch]

Checks Ed25519 signatures under agentnet's acceptance rule (docs/verification.md) with the WASM kernel.
FILE is a JSON array of {"pub","msg","sig"} hex cases; the output is a JSON array of booleans in the same
order, through the single path or, with --batch, the batch path.
Exit codes: 0 valid (or --cases done), 1 invalid signature, 2 usage error.
Example: agentnet verify --cases cases.json --batch`;

export async function cmdVerify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pub: { type: 'string' },
      msg: { type: 'string' },
      sig: { type: 'string' },
      cases: { type: 'string' },
      batch: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(VERIFY_HELP);
    return 0;
  }
  const v = defaultVerifier();
  if (values.cases) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(values.cases, 'utf8'));
    } catch (e) {
      throw new UsageError(`--cases: cannot read JSON from ${values.cases}: ${(e as Error).message}`);
    }
    if (!Array.isArray(raw)) throw new UsageError('--cases: expected a JSON array of {"pub","msg","sig"}');
    const items = raw.map((c, i) => {
      const r = c as Record<string, unknown>;
      if (typeof r['pub'] !== 'string' || typeof r['msg'] !== 'string' || typeof r['sig'] !== 'string')
        throw new UsageError(`--cases: case ${i} needs hex strings pub, msg, sig`);
      return {
        pub: fromHex(r['pub'], `case ${i} pub`),
        msg: fromHex(r['msg'], `case ${i} msg`),
        sig: fromHex(r['sig'], `case ${i} sig`),
      };
    });
    const out = values.batch ? v.verifyBatch(items) : items.map((i) => v.verify(i.pub, i.msg, i.sig));
    console.log(JSON.stringify(out));
    return 0;
  }
  if (!values.pub || values.msg === undefined || !values.sig) {
    console.error(VERIFY_HELP);
    return 2;
  }
  const ok = v.verify(fromHex(values.pub, '--pub'), fromHex(values.msg, '--msg'), fromHex(values.sig, '--sig'));
  console.log(ok ? 'valid' : 'invalid');
  return ok ? 0 : 1;
}

export const BENCH_VERIFY_HELP = `Usage: agentnet bench verify [--profile P] [--batch 64] [--rounds 5] [--json FILE] [--plot FILE.svg]

Measures, in one process and one run (medians of --rounds rounds, with min-max): ops/s of the WASM kernel
single and batched (64 and --batch), the scalar build (wasm-*) and the SIMD build (wasm-simd-*, when the
engine has WASM SIMD) side by side, node:crypto (KeyObject reused) and @noble/ed25519; and each tier
T0-T3 end to end (decode, policy, crypto) in µs per operation. Ratios are against node:crypto measured in
the same run, so a loaded machine shifts every row alike; the paired ratios time every implementation on
the same chunk of 64 signatures back to back and take the median of the per-chunk ratios, which holds up
better on a shared machine. The 1-minute load average at the start and the end is printed (and is in
--json as load). --plot writes an SVG with two bar charts:
ops/s per implementation and µs per tier. A progress bar is drawn on stderr when stdout is a terminal.
Exit codes: 0 done, 2 usage error, 3 runtime failure (e.g. the WASM kernel cannot load).
Examples: agentnet bench verify --profile rpi4b --json rpi4b.json
          agentnet bench verify --rounds 3 --plot verify.svg`;

/** The --plot figure: ops/s per implementation (with min-max in the tooltip) above µs per tier. */
export function benchVerifySvg(r: {
  device: { cpu: string; profile: string };
  implementations: Record<string, { opsPerSec: number }>;
  tiers: Record<string, { usPerOp: number }>;
}): string {
  const impl = Object.entries(r.implementations);
  const tiers = Object.entries(r.tiers);
  return stack([
    barChart({
      title: `Ed25519 verification, ops/s (${r.device.cpu}, profile ${r.device.profile})`,
      yLabel: 'ops/s',
      categories: impl.map(([k]) => k),
      series: [{ name: 'ops/s', values: impl.map(([, v]) => v.opsPerSec) }],
      valueLabels: true,
      width: 760,
    }),
    barChart({
      title: 'Tiers end to end (decode, policy, crypto), µs per operation',
      yLabel: 'µs/op',
      categories: tiers.map(([k]) => k),
      series: [{ name: 'µs/op', values: tiers.map(([, v]) => v.usPerOp) }],
      valueLabels: true,
      width: 760,
    }),
  ]);
}

export async function cmdBenchVerify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string' },
      batch: { type: 'string' },
      rounds: { type: 'string' },
      json: { type: 'string' },
      plot: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(BENCH_VERIFY_HELP);
    return 0;
  }
  const profile = loadProfile(values.profile ?? 'generic-x64');
  const rounds = intFlag(values.rounds, 'rounds', 5, 5, 100);
  const batch = intFlag(values.batch, 'batch', profile.verifyBatchSize, 1, 256);
  const verifier = defaultVerifier(chooseKernel(profile.wasm).kernel.endsWith('.simd') ? 'simd' : 'scalar');
  if (verifier.name !== 'wasm') throw new Error(`WASM kernel unavailable: ${verifierFallbackReason()}`);
  const progress = createProgress(2, 'bench verify');
  progress.tick('implementations (WASM, node:crypto, noble)', 0);
  let implementations, tiers, load, paired;
  try {
    ({ results: implementations, paired, load } = await benchVerify({ rounds, batch: [batch] }));
    progress.tick('tiers T0-T3');
    tiers = benchTiers(makeCryptoPort(verifier), { rounds });
    progress.tick('done');
  } finally {
    progress.done();
  }
  const wasmMemoryBytes = instantiateEd25519(findEd25519Wasm()).memory.buffer.byteLength;
  const result = {
    device: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      arch: arch(),
      node: process.version,
      profile: profile.name,
      /** The kernel a node with this profile loads (auto: SIMD where the engine has it). */
      kernel: chooseKernel(profile.wasm).kernel,
    },
    load: { loadAvg1Start: +load.before.toFixed(2), loadAvg1End: +load.after.toFixed(2) },
    pairedRatios: Object.fromEntries(Object.entries(paired).map(([k, v]) => [k, +v.toFixed(3)])),
    implementations: Object.fromEntries(
      Object.entries(implementations).map(([k, v]) => [
        k,
        { opsPerSec: Math.round(v.opsPerSec), min: Math.round(v.min), max: Math.round(v.max) },
      ]),
    ),
    tiers,
    wasmMemoryBytes,
  };
  console.log(
    `device: ${result.device.cpu} (${result.device.cores} cores, ${result.device.arch}), node ${result.device.node}, profile ${profile.name}\n`,
  );
  console.log(formatTable(implementations));
  console.log('\n' + formatPaired(paired));
  console.log('\n| tier | µs/op | ops/s |\n|---|---:|---:|');
  for (const [k, t] of Object.entries(tiers)) console.log(`| ${k} | ${t.usPerOp} | ${t.opsPerSec} |`);
  console.log('\n' + targetLines(implementations, paired).join('\n'));
  console.log(`kernel selected for profile ${profile.name}: build/${result.device.kernel}.wasm`);
  console.log(loadLine(load, cpus().length));
  console.log(`WASM kernel memory: ${(wasmMemoryBytes / 1024).toFixed(0)} KiB (fixed at instantiation)`);
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
  if (values.plot) {
    writeFileSync(values.plot, benchVerifySvg(result) + '\n');
    console.log(`plot written to ${values.plot}`);
  }
  return 0;
}
