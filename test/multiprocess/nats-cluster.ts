// A private three-server NATS cluster for the tests: `nats-server -c <dir>/<name>.conf`, each with a client
// port and a cluster (route) port on free loopback ports, JetStream with its own store directory under
// `dir`, and routes to all three. Never the system server on 4222. Optionally a leaf node (a fourth server
// without JetStream that joins the cluster as a leaf: an edge device's local server).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freeTcpPort } from './procs.js';

/** The cluster's JetStream domain: a leaf node's clients reach it with `?domain=` (docs/transports.md). */
export const HUB_DOMAIN = 'hub';
export const NATS_SERVER = process.env['NATS_SERVER'] ?? 'nats-server';
export const natsServerAvailable = (): boolean =>
  spawnSync(NATS_SERVER, ['--version'], { stdio: 'ignore' }).error === undefined;

export interface NatsServer {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  child: ChildProcess | undefined;
}

export interface NatsCluster {
  readonly servers: NatsServer[];
  /** `nats://h:p1,h:p2,h:p3` */
  readonly url: string;
  /** The leaf node's URL when started with `leaf: true`. */
  readonly leafUrl?: string;
  /** SIGKILL one server (no goodbye to its clients or routes) and wait for its exit. */
  kill(i: number): Promise<void>;
  /** Start a killed server again on the same ports and store. */
  restart(i: number): Promise<void>;
  /** Whether server i's process is running. */
  alive(i: number): boolean;
  /** Waits until JetStream answers and the streams named with `streams` have leaders (jetStreamReady). */
  settled(streams: string): Promise<void>;
  stop(): Promise<void>;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export interface ClusterOptions {
  /** Extra lines for every server's config (authorization, tls). */
  readonly extra?: string;
  readonly leaf?: boolean;
}

export async function startNatsCluster(dir: string, o: ClusterOptions = {}): Promise<NatsCluster> {
  const ports = await Promise.all([0, 1, 2].map(() => freeTcpPort()));
  const routePorts = await Promise.all([0, 1, 2].map(() => freeTcpPort()));
  const leafPorts = o.leaf ? await Promise.all([0, 1, 2].map(() => freeTcpPort())) : [];
  const cluster = `agentnet-test-${process.pid}`;
  const servers: NatsServer[] = ports.map((port, i) => ({
    name: `n${i + 1}`,
    port,
    url: `nats://127.0.0.1:${port}`,
    child: undefined,
  }));
  const confOf = (i: number) =>
    [
      `server_name: n${i + 1}`,
      `listen: 127.0.0.1:${ports[i]}`,
      `jetstream { store_dir: "${join(dir, `store-n${i + 1}`)}", max_memory_store: 64MB, max_file_store: 64GB, domain: ${HUB_DOMAIN} }`,
      `cluster { name: ${cluster}, listen: 127.0.0.1:${routePorts[i]}, routes: [${routePorts
        .map((p) => `nats-route://127.0.0.1:${p}`)
        .join(', ')}] }`,
      ...(o.leaf ? [`leafnodes { listen: 127.0.0.1:${leafPorts[i]} }`] : []),
      o.extra ?? '',
    ].join('\n');
  const spawnServer = async (name: string, conf: string, port: number): Promise<ChildProcess> => {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, `${conf}\n`);
    const child = spawn(NATS_SERVER, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const deadline = Date.now() + 20_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`nats-server ${name} exited with ${child.exitCode} (${file})`);
      if (Date.now() > deadline) throw new Error(`nats-server ${name}: port ${port} not open within 20 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  };
  const start = async (i: number) => {
    mkdirSync(join(dir, `store-n${i + 1}`), { recursive: true });
    servers[i]!.child = await spawnServer(`n${i + 1}`, confOf(i), ports[i]!);
  };
  await Promise.all([0, 1, 2].map(start));
  let leaf: ChildProcess | undefined;
  let leafUrl: string | undefined;
  if (o.leaf) {
    const port = await freeTcpPort();
    leaf = await spawnServer(
      'leaf',
      [
        'server_name: leaf',
        `listen: 127.0.0.1:${port}`,
        // Every server of the cluster: the leaf reconnects to another one when its server dies.
        `leafnodes { remotes: [ { urls: [${leafPorts.map((p) => `"nats-leaf://127.0.0.1:${p}"`).join(', ')}] } ] }`,
      ].join('\n'),
      port,
    );
    leafUrl = `nats://127.0.0.1:${port}`;
  }
  await jetStreamReady(servers.map((s) => `127.0.0.1:${s.port}`));
  const exit = (c: ChildProcess | undefined, sig: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill(sig);
    });
  return {
    servers,
    url: `nats://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ...(leafUrl ? { leafUrl } : {}),
    kill: (i) => exit(servers[i]!.child, 'SIGKILL'),
    alive: (i) => {
      const c = servers[i]!.child;
      return c !== undefined && c.exitCode === null && c.signalCode === null;
    },
    settled: (streams) =>
      jetStreamReady(
        servers
          .filter((s) => s.child && s.child.exitCode === null && s.child.signalCode === null)
          .map((s) => `127.0.0.1:${s.port}`),
        60_000,
        streams,
      ),
    restart: async (i) => {
      await start(i);
      await jetStreamReady([`127.0.0.1:${ports[i]}`]);
    },
    async stop() {
      await Promise.all([...servers.map((s) => exit(s.child, 'SIGTERM')), exit(leaf, 'SIGTERM')]);
    },
  };
}

/**
 * Resolves once the cluster's JetStream answers (its meta leader is elected) and every stream whose name
 * contains `streams` has a leader, at most `ms`. After a server is killed the
 * elections take from under a second to well over ten on a loaded host; a test that starts a node then
 * waits for them instead of racing the node's own start timeout.
 */
export async function jetStreamReady(servers: string[], ms = 60_000, streams?: string): Promise<void> {
  const nc = await natsConnect({ servers, maxReconnectAttempts: -1 });
  const deadline = Date.now() + ms;
  try {
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        await jsm.getAccountInfo();
        if (streams !== undefined) {
          for await (const si of jsm.streams.list()) {
            if (!si.config.name.includes(streams)) continue;
            if (!si.cluster?.leader) throw new Error(`stream ${si.config.name} has no leader`);
          }
        }
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`JetStream not ready within ${ms} ms: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await nc.close();
  }
}
