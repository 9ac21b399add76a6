// `agentnet run`: one long-running node until SIGTERM/SIGINT, then a graceful stop.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { apiUrl } from '../runtime/api/server.js';
import { loadConfig } from '../runtime/config.js';
import { startNode } from '../runtime/node.js';
import { createNotifier } from '../runtime/systemd.js';
import { str } from './args.js';

/** ms a graceful stop may take before the process exits anyway (systemd's own stop timeout is longer). */
const STOP_DEADLINE_MS = 20_000;

export const RUN_HELP = `Usage: agentnet run [--config FILE] [--data DIR] [--network NAME] [--broker URL]
                    [--profile NAME] [--api-host HOST] [--api-port N] [--follow TOPIC]... [--log-level L]

Starts one node. Settings come from built-in defaults, then the config file, then AGENTNET_* environment
variables, then these flags. With no broker it starts an embedded MQTT broker on a free loopback port.
--broker takes mqtt://, mqtts://, ws://, nats:// (NATS with JetStream), tls://, udp:// (LAN mesh) URLs;
commas inside one URL list equivalent servers of one link (mqtt://a:1883,b:1883 fails over, nats://n1,n2,n3
is one cluster), spaces separate networks the node bridges (docs/transports.md).

Exit codes: 0 stopped by SIGTERM/SIGINT (gracefully), 2 usage or configuration error, 3 runtime failure
(broker unreachable, store or identity unusable).
Example: agentnet run --data ./.data/alice --network demo --follow code_review_security`;

export async function cmdRun(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      data: { type: 'string' },
      network: { type: 'string' },
      broker: { type: 'string' },
      profile: { type: 'string' },
      'api-host': { type: 'string' },
      'api-port': { type: 'string' },
      follow: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  const config = loadConfig({
    ...(values.config ? { file: values.config } : {}),
    flags: {
      dataDir: str(values.data),
      network: str(values.network),
      broker: str(values.broker),
      profile: str(values.profile),
      apiHost: str(values['api-host']),
      apiPort: str(values['api-port']),
      follow: values.follow,
      logLevel: str(values['log-level']),
    },
  });
  // Signals are caught from here on: a SIGTERM that arrives while the node starts, or between its ready line and
  // the wait below, still gets a clean stop (death published, store closed) instead of the default kill. A start
  // that does not finish within 10 s of the signal (a broker that never answers) exits as the default would.
  let stopSignal: string | undefined;
  let startGrace: NodeJS.Timeout | undefined;
  let onStop: (sig: string) => void = (sig) => {
    stopSignal ??= sig;
    startGrace ??= setTimeout(() => process.exit(sig === 'SIGINT' ? 130 : 143), 10_000).unref();
  };
  process.once('SIGTERM', () => onStop('SIGTERM'));
  process.once('SIGINT', () => onStop('SIGINT'));
  const node = await startNode(config);
  clearTimeout(startGrace);
  // Node sizes its old space from the memory it sees unless told otherwise; the profile's maxOldSpaceMiB is
  // applied by the unit (AGENTNET_NODE_FLAGS) and bin/agentnet. When the operator chose a profile (flag,
  // AGENTNET_PROFILE or the config file) and its heap limit is not in effect, that is worth a warning; a default
  // start (no profile named: generic-x64 on a workstation) is not started by those launchers, so only debug.
  const heapMiB = Math.round(getHeapStatistics().heap_size_limit / 1048576);
  const profileChosen =
    values.profile !== undefined ||
    !!process.env['AGENTNET_PROFILE'] ||
    (values.config !== undefined &&
      (JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>)['profile'] !== undefined);
  if (heapMiB > node.profile.maxOldSpaceMiB * 1.25)
    node.logger.log(profileChosen ? 'warn' : 'debug', 'heap limit above the profile', {
      heapLimitMiB: heapMiB,
      maxOldSpaceMiB: node.profile.maxOldSpaceMiB,
      hint: `NODE_OPTIONS=--max-old-space-size=${node.profile.maxOldSpaceMiB}`,
    });
  const notifier = createNotifier({
    // A full disk is not a reason to restart: the node keeps serving and recovers by itself (driver.ts).
    healthy: () => node.status().storeError !== 'STORE_CORRUPT',
    onError: (e) => node.logger.log('warn', 'systemd-notify failed', { err: e.message }),
  });
  notifier.ready(
    `ready: agent ${node.core.agentHex.slice(0, 16)}, profile ${node.profile.name}, api ${apiUrl(node.config.apiHost, node.apiPort)}`,
  );
  if (notifier.enabled) node.logger.log('info', 'systemd notified', { watchdogMs: notifier.watchdogMs });
  await new Promise<void>((resolve) => {
    onStop = (sig: string) => {
      node.logger.log('info', 'stopping', { signal: sig });
      notifier.stopping(`stopping on ${sig}`);
      resolve();
    };
    if (stopSignal) onStop(stopSignal);
  });
  // A stop that does not finish (a transport that never answers its goodbye) must not keep the process: the
  // store is crash-safe (WAL), so after STOP_DEADLINE_MS it exits as a failure, named in the log.
  const stopped = node.close().then(() => 'closed' as const);
  const late = new Promise<'late'>((r) => setTimeout(() => r('late'), STOP_DEADLINE_MS).unref());
  if ((await Promise.race([stopped, late])) === 'late') {
    node.logger.log('error', 'stop did not finish', { deadlineMs: STOP_DEADLINE_MS });
    notifier.close();
    process.exit(3); // what did not close still holds the event loop
  }
  notifier.close();
  // Everything the node opened is closed, and what it must keep is stored. A handle a dependency still holds
  // (a socket in teardown, a timer of a client library) must not keep a stopped daemon alive, as it did under
  // load: the process exits now, and what was left is listed at debug level.
  node.logger.log('debug', 'exit', { left: process.getActiveResourcesInfo() });
  process.exit(0);
}
