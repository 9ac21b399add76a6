// The `broker` line of `agentnet check`: every URL of the config's `broker` (several separated by spaces make
// the node a bridge) is probed the way the node will use it.
//  mqtt://, mqtts://, ws://, wss://  a TCP connection to the broker's host and port (defaults 1883, 8883, 80, 443).
//  udp://HOST:PORT?peers=h:p,...    the LAN mesh: HOST:PORT must be bindable (in use: a node may already run
//                                    there, a warning), and each seed peer must answer: a short-lived mesh
//                                    endpoint (the node's own UDP transport, on a free port of HOST) beacons
//                                    to the seeds and waits for each one's beacon back.
//  memory://                         in-process, nothing to probe.
// The line is the worst of the probes, each described in its detail.

import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import type { NodeConfig } from '../runtime/config.js';
import { createUdpTransport } from '../runtime/transport/udp.js';
import type { CheckResult, Status } from './checks.js';

interface Probe {
  readonly status: Status;
  readonly detail: string;
}

const RANK: Record<Status, number> = { ok: 0, unknown: 1, warn: 2, fail: 3 };
const TCP_PORTS: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 };

export async function checkBroker(config: NodeConfig | undefined, timeoutMs = 3000): Promise<CheckResult> {
  const name = 'broker';
  if (!config) return { name, status: 'unknown', detail: 'no valid config' };
  if (!config.broker)
    return {
      name,
      status: 'ok',
      detail: 'none configured: the node starts an embedded broker on a free loopback port',
    };
  const urls = config.broker.trim().split(/\s+/);
  const probes = await Promise.all(urls.map((u) => probe(u, config.network, timeoutMs)));
  const status = probes.reduce<Status>((w, p) => (RANK[p.status] > RANK[w] ? p.status : w), 'ok');
  const detail = probes.map((p, i) => (urls.length > 1 ? `${urls[i]}: ${p.detail}` : p.detail)).join('; ');
  return { name, status, detail: urls.length > 1 ? `bridge of ${urls.length}: ${detail}` : detail };
}

async function probe(url: string, network: string, timeoutMs: number): Promise<Probe> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 'fail', detail: `not a URL: ${JSON.stringify(url)}` };
  }
  if (u.protocol === 'memory:') return { status: 'ok', detail: 'in-process memory transport' };
  if (u.protocol === 'udp:') return probeMesh(u, network, timeoutMs);
  const port = TCP_PORTS[u.protocol];
  if (port === undefined) return { status: 'fail', detail: `unsupported scheme ${u.protocol}` };
  return probeTcp(u.hostname, Number(u.port || port), timeoutMs);
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<Probe> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: Probe) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done({ status: 'fail', detail: `${host}:${port}: no answer in ${timeoutMs} ms` }));
    s.once('connect', () => done({ status: 'ok', detail: `${host}:${port} reachable (TCP, ${Date.now() - t0} ms)` }));
    s.once('error', (e) => done({ status: 'fail', detail: `${host}:${port}: ${e.message}` }));
  });
}

/** Can this host bind the mesh's address? EADDRINUSE is a warning: the node itself may be running there. */
function probeBind(host: string, port: number): Promise<Probe> {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', (e: NodeJS.ErrnoException) => {
      s.close();
      resolve(
        e.code === 'EADDRINUSE'
          ? { status: 'warn', detail: `${host}:${port} in use (is a node already running there?)` }
          : { status: 'fail', detail: `cannot bind ${host}:${port}: ${e.message}` },
      );
    });
    s.bind(port, host, () => s.close(() => resolve({ status: 'ok', detail: `binds ${host}:${port}` })));
  });
}

async function probeMesh(u: URL, network: string, timeoutMs: number): Promise<Probe> {
  const host = u.hostname || '0.0.0.0';
  const port = Number(u.port || 0);
  const bound = await probeBind(host, port);
  if (bound.status === 'fail') return bound;
  const seeds = (u.searchParams.get('peers') ?? '').split(',').filter(Boolean);
  if (!seeds.length)
    return { ...bound, detail: `UDP mesh: ${bound.detail}; no seed peers (neighbours find this node by its beacons)` };
  // A seed names a host; beacons come back from its address.
  const want = new Map<string, string>();
  for (const s of seeds) {
    const i = s.lastIndexOf(':');
    try {
      want.set(`${(await lookup(s.slice(0, i), { family: 4 })).address}:${s.slice(i + 1)}`, s);
    } catch (e) {
      return { status: 'fail', detail: `UDP mesh: seed ${s}: ${(e as Error).message}` };
    }
  }
  const mesh = createUdpTransport(`udp://${host}:0?peers=${[...want.keys()].join(',')}`, {
    network,
    clientId: 'agentnet-check',
  });
  try {
    await mesh.ready();
    const t0 = Date.now();
    const answered = () => mesh.neighbours().filter((n) => want.has(n));
    while (answered().length < want.size && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 50));
    const got = new Set(answered());
    const silent = [...want].filter(([addr]) => !got.has(addr)).map(([, s]) => s);
    if (silent.length)
      return {
        status: 'fail',
        detail: `UDP mesh: ${bound.detail}; no beacon in ${timeoutMs} ms from seed ${silent.join(', ')} (${got.size}/${want.size} answered)`,
      };
    return {
      status: bound.status,
      detail: `UDP mesh: ${bound.detail}; ${want.size}/${want.size} seed peers answered (${Date.now() - t0} ms)`,
    };
  } catch (e) {
    return { status: 'fail', detail: `UDP mesh: ${(e as Error).message}` };
  } finally {
    await mesh.close();
  }
}
