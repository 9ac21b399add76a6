// Entry of scripts/sim.mjs: runs the simulator's experiments outside vitest with the runtime's real
// CryptoPort (node:crypto SHA-256, noble Ed25519 signing, the WASM verifier when built: the same one
// `agentnet sim` and the daemon use, with noble's strict branch as its fallback; one acceptance rule set).
//   node scripts/sim.mjs discovery [--nodes 200] [--churn 0.2] [--seeds 10] [--seed0 1] [--json out.json]
//                                  [--parts gate,trust,tasks | none]   (the node core's parts; default all)
//   node scripts/sim.mjs scale [--nodes 10000] [--seed0 1] [--json out.json]
//   node scripts/sim.mjs fork [--nodes 1000] [--loss 0.01]   (part C of scale alone)

import { writeFileSync } from 'node:fs';
import { makeCryptoPort } from '../src/runtime/crypto-port.js';
import { defaultVerifier } from '../src/runtime/verifier.js';
import { formatDiscoveryTable, runDiscoveryExperiment, type MethodName } from '../src/sim/discovery/index.js';
import type { NodePart } from '../src/sim/discovery/bodyless.js';
import { formatScaleReport, runScaleExperiment } from '../src/sim/discovery/scale.js';
import { forkPart } from '../src/sim/discovery/fork-part.js';
import { memoizedCrypto } from '../src/sim/net/memo-crypto.js';

export function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) flags.set(rest[i]!.replace(/^--/, ''), rest[i + 1] ?? '');
  const num = (k: string, d: number) => (flags.has(k) ? Number(flags.get(k)) : d);
  const crypto = makeCryptoPort(defaultVerifier());
  const t0 = performance.now();
  let json: unknown;
  if (cmd === 'discovery') {
    const methods = flags.get('methods')?.split(',') as MethodName[] | undefined;
    const opts = {
      nodes: num('nodes', 200),
      churn: num('churn', 0.2),
      seeds: num('seeds', 10),
      seed0: num('seed0', 1),
      crypto,
      ...(methods ? { methods } : {}),
      ...(flags.has('parts')
        ? { parts: (flags.get('parts') || '').split(',').filter((x) => x && x !== 'none') as NodePart[] }
        : {}),
      ...(flags.has('loss') ? { net: { lossP: num('loss', 0.01) } } : {}),
    };
    console.error(`discovery: nodes ${opts.nodes} churn ${opts.churn} seeds ${opts.seeds} seed0 ${opts.seed0}`);
    const r = runDiscoveryExperiment({
      ...opts,
      onProgress: (d, t) => console.error(`  ${d}/${t} runs, ${((performance.now() - t0) / 1000).toFixed(1)} s`),
    });
    console.log(formatDiscoveryTable(r));
    json = r;
  } else if (cmd === 'scale') {
    const mem = () => `${Math.round(process.memoryUsage().heapUsed / 1048576)} MiB heap`;
    const r = runScaleExperiment({
      nodes: num('nodes', 10_000),
      seed: num('seed0', 1),
      crypto,
      clock: () => performance.now(),
      ...(flags.has('repair-nodes') ? { repairNodes: num('repair-nodes', 200) } : {}),
      ...(flags.has('fork-nodes') ? { forkNodes: num('fork-nodes', 1000) } : {}),
      onProgress: (m) => console.error(`  ${m} (${((performance.now() - t0) / 1000).toFixed(1)} s, ${mem()})`),
    });
    console.log(formatScaleReport(r));
    json = r;
  } else if (cmd === 'fork') {
    const r = forkPart(memoizedCrypto(crypto).crypto, num('seed0', 1), num('nodes', 1000), num('loss', 0.01));
    console.log(JSON.stringify(r));
    json = r;
  } else {
    console.error(
      'usage: node scripts/sim.mjs discovery|scale|fork [--nodes N] [--churn C] [--seeds S] [--seed0 K] [--json FILE]',
    );
    process.exitCode = 2;
    return;
  }
  console.error(`wall time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (flags.get('json')) writeFileSync(flags.get('json')!, JSON.stringify(json, null, 2) + '\n');
}
