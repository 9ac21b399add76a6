// The NATS transport against a real three-server cluster (test/multiprocess/nats-cluster.ts): liveness
// without Wills (leases and executed wills, nats-liveness.ts), a clean stop's death, and a server killed
// under a client. Connections are cut with a TCP relay (as in will-delay.test.ts) so that a transport
// vanishes without closing. Every wait is a deadline on a condition.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsTransport, natsSettings } from '../../src/runtime/transport/nats.js';
import { NatsLiveness } from '../../src/runtime/transport/nats-liveness.js';
import { NatsNames } from '../../src/runtime/transport/nats-subjects.js';
import type { Transport, TransportState } from '../../src/runtime/transport/types.js';
import { tcpAnswers } from '../../src/runtime/transport/servers.js';
import { NATS_SERVER, natsServerAvailable, startNatsCluster, type NatsCluster } from '../multiprocess/nats-cluster.js';
import { freeTcpPort } from '../multiprocess/procs.js';
import { until } from './node-kit.js';

const HAVE = natsServerAvailable();
if (!HAVE)
  console.warn('nats integration test skipped: no nats-server binary (apt-get install nats-server; .ci/run does)');
const DELAY_S = 3;
const dec = (b: Uint8Array) => Buffer.from(b).toString();

/**
 * A relay to one server; `cut()` drops every relayed connection and refuses new ones; `stall()` keeps the
 * connections open but forwards nothing more either way (a server that hangs, not one that is gone).
 */
async function relay(port: number): Promise<{ url: string; cut: () => Promise<void>; stall: () => void }> {
  const live = new Set<Socket>();
  // gossip=0: the client uses the relay only (else it would learn the cluster's servers and go around it).
  const server: Server = createServer((client) => {
    const up = createConnection({ host: '127.0.0.1', port });
    for (const s of [client, up]) {
      live.add(s);
      s.on('close', () => live.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `nats://127.0.0.1:${(server.address() as { port: number }).port}?gossip=0`,
    cut: () =>
      new Promise((r) => {
        live.forEach((s) => s.destroy());
        server.close(() => r());
      }),
    stall: () =>
      live.forEach((s) => {
        s.unpipe();
        s.pause();
      }),
  };
}

describe.skipIf(!HAVE)('NATS transport on a three-server cluster', () => {
  let dir: string;
  let cluster: NatsCluster;
  const open: Transport[] = [];
  let n = 0;
  const net = () => `natsit-${process.pid}-${n++}`;
  const make = (url: string, network: string, id: string, will?: string) => {
    const t = createNatsTransport(url, {
      network,
      clientId: id,
      ...(will
        ? {
            will: {
              channel: 'birth' as const,
              key: will,
              bytes: () => new TextEncoder().encode(`death of ${id}`),
              delayS: DELAY_S,
            },
          }
        : {}),
    });
    open.push(t);
    return t;
  };
  /** Until `key`'s will is stored (a node that vanishes before that has none, as without an MQTT CONNECT). */
  const willStored = async (network: string, key: string) => {
    const nc = await natsConnect({ servers: cluster.servers.map((s) => `127.0.0.1:${s.port}`) });
    try {
      const wills = await new Kvm(jetstream(nc)).open(`agentnet-${network}-wills`);
      await until(async () => (await wills.get(`n.${key}`))?.operation === 'PUT', 20_000);
    } finally {
      await nc.close();
    }
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentnet-nats-it-'));
    cluster = await startNatsCluster(dir);
  }, 60_000);
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses server lists, credentials and TLS settings; refuses bad ones with a TypeError', () => {
    const s = natsSettings('nats://u:p%40ss@127.0.0.1:4222,[::1]:4223,host?replicas=3');
    expect(s.servers).toEqual(['127.0.0.1:4222', '[::1]:4223', 'host:4222']);
    expect(s.connect).toEqual({ user: 'u', pass: 'p@ss' });
    expect(s.replicas).toBe(3);
    expect(natsSettings('nats://secret@h').connect).toEqual({ token: 'secret' });
    expect(natsSettings('tls://h:4443').connect).toEqual({ tls: {} });
    expect(() => natsSettings('nats://h?replicas=9')).toThrow(TypeError);
    expect(() => natsSettings('nats://h?bogus=1')).toThrow(TypeError);
    expect(() => natsSettings('nats://h?ca=/nonexistent/ca.pem')).toThrow(/ca=/);
    expect(() => natsSettings('nats://h:99999')).toThrow(TypeError);
  });

  it('a vanished node is declared dead by a watcher after the delay (its own signed bytes), a clean stop at once', async () => {
    const network = net();
    const r = await relay(cluster.servers[0]!.port);
    const a = make(r.url, network, 'a', 'aa'.repeat(32));
    const w = make(cluster.servers[1]!.url, network, 'w', 'bb'.repeat(32));
    await Promise.all([a.ready(), w.ready()]);
    const births: string[] = [];
    w.onMessage((c, k, b) => c === 'birth' && k === 'aa'.repeat(32) && births.push(dec(b)));
    a.publish('birth', 'aa'.repeat(32), new TextEncoder().encode('alive a'), { retain: true });
    w.subscribe('birth', 'aa'.repeat(32));
    await until(() => births.includes('alive a'), 10_000);
    await willStored(network, 'aa'.repeat(32));
    const cutAt = Date.now();
    await r.cut(); // a is gone without a word: no clean stop, no reconnect
    await until(() => births.includes('death of a'), 30_000);
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(DELAY_S * 1000 - 500); // not before the lease lapsed
    expect((w.stats!() as { willsExecuted: number }).willsExecuted).toBe(1);

    // A clean stop: the death is published before the connection ends, no delay.
    const b = make(cluster.servers[2]!.url, network, 'b', 'cc'.repeat(32));
    await b.ready();
    const bBirths: string[] = [];
    w.onMessage((c, k, by) => c === 'birth' && k === 'cc'.repeat(32) && bBirths.push(dec(by)));
    w.subscribe('birth', 'cc'.repeat(32));
    b.publish('birth', 'cc'.repeat(32), new TextEncoder().encode('alive b'), { retain: true });
    await until(() => bBirths.includes('alive b'), 10_000);
    await b.close();
    await until(() => bBirths.includes('death of b'), 20_000);
    // The death came from b's stop, not from a watcher executing its will after the lease lapsed.
    expect((w.stats!() as { willsExecuted: number }).willsExecuted).toBe(1);
  }, 60_000);

  it('a clean stop over a connection that stalls still finishes (the drain is bounded)', async () => {
    const network = net();
    const r = await relay(cluster.servers[0]!.port);
    const a = make(r.url, network, 'a', '12'.repeat(32));
    await a.ready();
    await willStored(network, '12'.repeat(32));
    r.stall();
    // Nothing answers any more: the death's put times out (5 s) and the drain is given up (5 s). Unbounded,
    // the client's drain waits about 40 s here; the bound checked is of timers, not of speed.
    const t0 = Date.now();
    await a.close();
    expect(Date.now() - t0).toBeLessThan(25_000);
  }, 60_000);

  it('a death nobody watched is executed by the first node that subscribes to the birth', async () => {
    const network = net();
    const r = await relay(cluster.servers[0]!.port);
    const a = make(r.url, network, 'a', 'dd'.repeat(32));
    await a.ready();
    a.publish('birth', 'dd'.repeat(32), new TextEncoder().encode('alive a'), { retain: true });
    await until(() => (a.stats!() as { retainedPuts: number }).retainedPuts >= 1, 10_000);
    await willStored(network, 'dd'.repeat(32));
    await r.cut();
    // Wait until the lease is gone (read with a plain client), then a late subscriber comes.
    const nc = await natsConnect({ servers: cluster.servers.map((s) => `127.0.0.1:${s.port}`) });
    const leases = await new Kvm(jetstream(nc)).open(`agentnet-${network}-leases`);
    await until(async () => (await leases.get(`n.${'dd'.repeat(32)}`))?.operation !== 'PUT', 30_000);
    await nc.close();
    const late = make(cluster.servers[1]!.url, network, 'late', 'ee'.repeat(32));
    await late.ready();
    const got: string[] = [];
    late.onMessage((c, _k, b) => c === 'birth' && got.push(dec(b)));
    late.subscribe('birth', 'dd'.repeat(32));
    await until(() => got.includes('death of a'), 20_000);
  }, 60_000);

  it('a watcher that reads a node in the middle of its birth (lease, then will) does not declare it dead', async () => {
    const network = net();
    // The buckets, created by a transport as a node would.
    const first = make(cluster.servers[0]!.url, network, 'first', '11'.repeat(32));
    await first.ready();
    const nc = await natsConnect({ servers: cluster.servers.map((s) => `127.0.0.1:${s.port}`) });
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const kvm = new Kvm(js);
      const [wills, leases] = await Promise.all([
        kvm.open(`agentnet-${network}-wills`),
        kvm.open(`agentnet-${network}-leases`),
      ]);
      const key = '22'.repeat(32);
      const k = `n.${key}`;
      // The node is born exactly between the watcher's first and second read of the buckets: its lease, then
      // its will, as announce() puts them. Only the interleaving is arranged; every read and put is the cluster's.
      let reads = 0;
      const between = {
        streams: {
          getMessage: async (...args: Parameters<typeof jsm.streams.getMessage>) => {
            const m = await jsm.streams.getMessage(...args);
            if (reads++ === 0) {
              await leases.put(k, '1');
              await wills.put(k, new TextEncoder().encode('death of x'));
            }
            return m;
          },
        },
      } as unknown as JetStreamManager;
      const watcher = new NatsLiveness('birth');
      watcher.attach({
        names: new NatsNames(network),
        will: undefined,
        delayMs: DELAY_S * 1000,
        wills,
        leases,
        js,
        jsm: between,
        putPrefix: '',
        relife: () => undefined,
      });
      watcher.watch(key);
      await watcher.checkNow(key);
      expect(reads).toBeGreaterThanOrEqual(2);
      expect(watcher.executed).toBe(0);
      expect((await wills.get(k))?.operation).toBe('PUT'); // the will of the live node stays
      await watcher.close(async () => undefined);
    } finally {
      await nc.close();
    }
  }, 60_000);

  it('a node whose own will was executed while it was connected starts a new life (down, then up)', async () => {
    const network = net();
    const a = make(cluster.servers[0]!.url, network, 'a', 'ff'.repeat(32));
    await a.ready();
    const states: TransportState[] = [];
    a.onState((s) => states.push(s));
    const nc = await natsConnect({ servers: [`127.0.0.1:${cluster.servers[1]!.port}`] });
    const wills = await new Kvm(jetstream(nc)).open(`agentnet-${network}-wills`);
    const key = `n.${'ff'.repeat(32)}`;
    await until(async () => (await wills.get(key))?.operation === 'PUT', 10_000);
    await wills.delete(key); // what a watcher does when it claims the will
    await until(() => states.join() === 'down,up', 10_000);
    await until(async () => (await wills.get(key))?.operation === 'PUT', 10_000); // the will is back
    await nc.close();
  }, 30_000);

  it('a killed server: its clients move to another, retained state stays, acknowledged puts are not lost', async () => {
    const network = net();
    const a = make(cluster.servers[0]!.url, network, 'a'); // learns the other servers from the cluster
    const b = make(cluster.servers[1]!.url, network, 'b');
    await Promise.all([a.ready(), b.ready()]);
    const states: TransportState[] = [];
    a.onState((s) => states.push(s));
    const got = new Map<string, string>();
    b.onMessage((c, k, by) => got.set(`${c}/${k}`, dec(by)));
    b.subscribe('header', 'topic');
    for (let i = 0; i < 20; i++)
      a.publish('frontier', `topic/${String(i).padStart(64, '0')}`, new TextEncoder().encode(`f${i}`), {
        retain: true,
      });
    await until(() => (a.stats!() as { retainedPuts: number }).retainedPuts >= 20, 10_000);
    await cluster.kill(0);
    try {
      await until(() => states.includes('up'), 30_000);
      expect(states[0]).toBe('down');
      expect((a.stats!() as { server: string }).server).not.toContain(String(cluster.servers[0]!.port));
      // Published right after the failover (a stream may still be electing a leader: puts are retried).
      for (let i = 20; i < 30; i++)
        a.publish('frontier', `topic/${String(i).padStart(64, '0')}`, new TextEncoder().encode(`f${i}`), {
          retain: true,
        });
      a.publish('header', 'topic', new TextEncoder().encode('live after failover'), { retain: false });
      await until(() => got.get('header/topic') === 'live after failover', 20_000);
      // A late subscriber sees all 30 retained values, the ones from before the kill included.
      b.subscribe('frontier', 'topic/+');
      await until(() => [...got.keys()].filter((k) => k.startsWith('frontier/')).length === 30, 30_000);
    } finally {
      await cluster.restart(0);
    }
  }, 90_000);

  it('passes credentials and TLS through: user/password, token, a private CA; wrong ones fail with TRANSPORT_FAILED', async () => {
    const d = mkdtempSync(join(dir, 'auth-'));
    // A CA and a server certificate for 127.0.0.1 (openssl, as an operator would make them).
    const sh = (args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: d, stdio: 'pipe' });
      if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    };
    sh([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=agentnet-test-ca',
    ]);
    sh([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    ]);
    writeFileSync(join(d, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    sh([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '1',
      '-extfile',
      'san.ext',
    ]);
    const servers: ChildProcess[] = [];
    const serve = async (conf: string) => {
      const port = await freeTcpPort();
      const file = join(d, `s${port}.conf`);
      writeFileSync(file, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(d, `js${port}`)}" }\n${conf}\n`);
      servers.push(spawn(NATS_SERVER, ['-c', file], { stdio: 'ignore' }));
      await until(() => tcpAnswers({ host: '127.0.0.1', port }), 20_000);
      return port;
    };
    try {
      const userPort = await serve('authorization { user: agent, password: "s3cret" }');
      const tokenPort = await serve('authorization { token: "t0ken-value" }');
      const tlsPort = await serve(
        `tls { cert_file: "${join(d, 'server.pem')}", key_file: "${join(d, 'server.key')}" }`,
      );
      const exchange = async (url: string) => {
        const network = net();
        const [a, b] = [make(url, network, 'a'), make(url, network, 'b')];
        await Promise.all([a.ready(), b.ready()]);
        const got: string[] = [];
        b.onMessage((_c, _k, by) => got.push(dec(by)));
        b.subscribe('birth', '12'.repeat(32));
        a.publish('birth', '12'.repeat(32), new TextEncoder().encode('over an authenticated link'), { retain: true });
        await until(() => got.includes('over an authenticated link'), 10_000);
      };
      await exchange(`nats://agent:s3cret@127.0.0.1:${userPort}`);
      await exchange(`nats://127.0.0.1:${tokenPort}?token=t0ken-value`);
      // By host name: the NATS client checks a server given by IP address as `localhost` (docs/transports.md).
      await exchange(`tls://localhost:${tlsPort}?ca=${join(d, 'ca.pem')}`);
      const refused = async (url: string) => {
        const t = createNatsTransport(url, { network: net(), clientId: 'x', connectTimeoutMs: 2000 });
        await expect(t.ready()).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
        await t.close();
      };
      await refused(`nats://agent:wrong@127.0.0.1:${userPort}`);
      await refused(`nats://127.0.0.1:${tokenPort}?token=wrong`);
      await refused(`tls://localhost:${tlsPort}`); // the server's certificate is not signed by a CA we trust
    } finally {
      for (const p of servers) p.kill('SIGTERM');
    }
  }, 90_000);
});
