// Private Mosquitto brokers for the multi-process tests, on free loopback ports, configured from files
// in a temp directory (never the system broker on 1883). One broker may carry a bridge `connection`
// to another, the way users scale past one broker (mosquitto.conf(5), "Configuring Bridges").

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freeTcpPort } from './procs.js';

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
  /** Starts the stopped broker again on the same port and config (empty: no persistence). */
  restart(): Promise<void>;
}

export interface BridgeTo {
  readonly port: number;
  /** `bridge_protocol_version`: mqttv311 (Mosquitto's default) or mqttv50. */
  readonly protocol: 'mqttv311' | 'mqttv50';
  /** The shared topic pattern, e.g. `agentnet/#`. */
  readonly pattern: string;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** Starts `mosquitto -c <dir>/<name>.conf` and resolves once its port accepts connections. */
export async function startMosquitto(dir: string, name: string, bridge?: BridgeTo): Promise<Mosquitto> {
  const port = await freeTcpPort();
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    ...(bridge
      ? [
          // A bridge is a client of the remote broker that both subscribes and publishes the pattern.
          `connection ${name}-bridge`,
          `address 127.0.0.1:${bridge.port}`,
          // both: each broker's messages reach the other; QoS 1 like agentnet's own publishes.
          `topic ${bridge.pattern} both 1`,
          `bridge_protocol_version ${bridge.protocol}`,
          // try_private (the default, spelled out): the remote knows the client is a bridge, so retained
          // flags are propagated as published and the bridge's own messages are not sent back to it.
          'try_private true',
          'cleansession true',
          'restart_timeout 1',
          'keepalive_interval 10',
          'notifications false',
        ]
      : []),
  ].join('\n');
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, `${conf}\n`);
  const run = async (): Promise<ChildProcess> => {
    const child = spawn('mosquitto', ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const deadline = Date.now() + 20_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null)
        throw new Error(`mosquitto ${name} exited with ${child.exitCode} (see ${join(dir, `${name}.log`)})`);
      if (Date.now() > deadline) throw new Error(`mosquitto ${name}: port ${port} not open within 20 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  };
  let child = await run();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get child() {
      return child;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    async restart() {
      child = await run();
    },
  };
}
