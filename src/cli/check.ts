// `agentnet check`: is this device ready to run a node? Readable by default, `--json` for scripts.

import { parseArgs } from 'node:util';
import { loadConfig, type NodeConfig } from '../runtime/config.js';
import { loadProfile, type Profile } from '../runtime/profile.js';
import { str } from './args.js';
import { checkBroker } from './check-broker.js';
import {
  checkCgroup,
  checkClock,
  checkNode,
  checkPageSize,
  checkSqlite,
  checkWasm,
  checkWatchdog,
  type CheckResult,
} from './checks.js';
import { selftest } from './selftest.js';

export const CHECK_HELP = `Usage: agentnet check [--profile P] [--config F] [--json] [--selftest]

Checks that this device can run a node: the config and firmware profile are valid, the memory cgroup
(cgroup v2 memory.max), the page size, WASM (SIMD probe, kernels load), SQLite WAL in the data
directory, clock synchronisation (timedatectl or chrony), the systemd watchdog, and every broker URL
(several make a bridge): an MQTT broker by a TCP connection, a udp:// mesh by binding its address and
waiting for a beacon from each seed peer.
--selftest also runs the WASM kernels, a WAL store, the embedded broker and two nodes that discover
each other in this process, and verifies signatures at T1, T2 and T3.

Each check is ok, warn (works, not as intended), fail or unknown (could not be inspected).
Exit codes: 0 no check failed (warnings allowed); 1 a check or the selftest failed;
2 the config or profile is invalid (or bad usage).
Examples: agentnet check --profile rpi-zero2w --selftest
          agentnet check --config /etc/agentnet/config.json --json`;

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', unknown: '??  ' } as const;

export async function cmdCheck(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
      selftest: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  const results: CheckResult[] = [];
  let config: NodeConfig | undefined;
  let profile: Profile | undefined;
  let invalid = false;
  try {
    config = loadConfig({ ...(values.config ? { file: values.config } : {}), flags: { profile: str(values.profile) } });
    results.push({
      name: 'config',
      status: 'ok',
      detail: values.config
        ? `${values.config}: valid; data ${config.dataDir}`
        : `defaults + environment; data ${config.dataDir}`,
    });
  } catch (e) {
    invalid = true;
    results.push({ name: 'config', status: 'fail', detail: (e as Error).message });
  }
  try {
    profile = loadProfile(config?.profile ?? values.profile ?? 'generic-x64');
    results.push({ name: 'profile', status: 'ok', detail: `${profile.name}: ${profile.description}` });
  } catch (e) {
    invalid = true;
    results.push({ name: 'profile', status: 'fail', detail: (e as Error).message });
  }
  results.push(checkNode(profile), checkCgroup(profile), checkPageSize(), checkWasm(profile));
  if (config) results.push(checkSqlite(config.dataDir));
  results.push(checkClock(), await checkBroker(config), checkWatchdog());
  if (values.selftest && !invalid && results.every((r) => r.status !== 'fail'))
    results.push(...(await selftest(profile!.name)));
  else if (values.selftest) results.push({ name: 'selftest', status: 'fail', detail: 'not run: a check above failed' });

  const failed = results.some((r) => r.status === 'fail');
  const code = invalid ? 2 : failed ? 1 : 0;
  if (values.json) console.log(JSON.stringify({ ok: code === 0, exitCode: code, checks: results }, null, 2));
  else {
    const w = Math.max(...results.map((r) => r.name.length));
    for (const r of results) console.log(`${MARK[r.status]} ${r.name.padEnd(w)}  ${r.detail}`);
    console.log(
      code === 0
        ? '\nagentnet check: ready'
        : `\nagentnet check: ${results.filter((r) => r.status === 'fail').length} failed`,
    );
  }
  return code;
}
