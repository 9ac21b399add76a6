// A network spread over a three-server NATS cluster (issue: beyond one broker): `agentnet run` processes,
// each attached to a different server of a private cluster (nats-cluster.ts: cluster routes, JetStream with
// its own store per server, free loopback ports), plus one behind a leaf node (an edge device's local
// server), driven only through their HTTP APIs. They discover each other, run a task to settlement, and
// lose nothing when one server is SIGKILLed: the nodes on it move to another server, entries announced
// after the kill reach everyone, and the retained state (births, frontiers, bodies) is still there for a
// node that starts afterwards. A clean stop's death reaches the others at once. Then a mixed network: an
// MQTT site (a private Mosquitto) bridged into the cluster by a bridge node, agents on both sides
// discovering each other.
// Skipped, saying so, only when `nats-server` (or, for the mixed part, `mosquitto`) is absent.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  declarationsOf,
  getJson,
  hasBinary,
  killAll,
  missingCandidates,
  missingHeads,
  postJson,
  startProc,
  stopProc,
  until,
  type Proc,
} from './procs.js';
import { HUB_DOMAIN, natsServerAvailable, startNatsCluster, type NatsCluster } from './nats-cluster.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';

const HAVE = natsServerAvailable();
if (!HAVE) console.warn('NATS cluster test skipped: no nats-server binary (apt-get install nats-server; .ci/run does)');
const MOSQ = hasBinary('mosquitto');
const TOPIC = 'data_analysis';
const DEADLINE_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'agentnet-natsmp-'));
let cluster: NatsCluster | undefined;
let mosq: Mosquitto | undefined;
afterAll(async () => {
  await killAll();
  await cluster?.stop();
  await mosq?.stop();
  if (process.env['AGENTNET_MP_KEEP']) console.log(`[nats-cluster] kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

type Status = { link: { state: string; transport: { server: string } } };
const converged = (ps: Proc[], heads: Map<string, number>, cands: Map<string, number>) => async () => {
  const open = (
    await Promise.all(
      ps.map(
        async (p) =>
          [p.name, [...(await missingHeads(p, TOPIC, heads)), ...(await missingCandidates(p, TOPIC, cands))]] as const,
      ),
    )
  ).filter(([, g]) => g.length);
  return open.length === 0 || open.map(([n, g]) => `${n} lacks ${g.join(' ')}`).join('; ');
};
const sees = async (p: Proc, agent: string) =>
  (
    await getJson<{ candidates: Array<{ author: string }> }>(p, `/discover?tags=skill&topic=${TOPIC}&limit=500`)
  ).candidates.some((c) => c.author === agent);

describe.skipIf(!HAVE)('a network on a three-server NATS cluster', () => {
  it('discovers, settles a task, survives a killed server, keeps its retained state; a clean stop is a death', async () => {
    cluster = await startNatsCluster(dir, { leaf: true });
    const network = `nc-${process.pid}-${Date.now().toString(36)}`;
    const fig: Record<string, unknown> = {};
    // n1..n3 each on one server (they learn the others from it); n4 behind the leaf node, which has no
    // JetStream of its own: its JetStream requests reach the cluster through the leaf connection.
    const urls = [...cluster.servers.map((s) => s.url), `${cluster.leafUrl}?domain=${HUB_DOMAIN}&replicas=3`];
    const specs = urls.map((broker, i) => ({
      dir,
      name: `n${i + 1}`,
      config: {
        dataDir: join(dir, `n${i + 1}`),
        network,
        broker,
        declarations: declarationsOf(i, TOPIC),
        tasks: { retryMs: 300 },
      },
    }));
    const procs = await Promise.all(specs.map((s) => startProc(s)));
    const heads = new Map(procs.map((p) => [p.agent, 2]));
    const cands = new Map(procs.map((p) => [p.agent, 1]));
    fig['convergeMs'] = await until('discovery across the cluster', converged(procs, heads, cands), DEADLINE_MS);
    for (const [i, p] of procs.slice(0, 3).entries())
      expect((await getJson<Status>(p, '/status')).link.transport.server).toBe(`127.0.0.1:${cluster.servers[i]!.port}`);

    // ---- a task from n1 (server 1) to n2 (server 2), settled in both ledgers
    const [n1, n2, n3, n4] = procs as [Proc, Proc, Proc, Proc];
    const task = await postJson<{ id: string }>(n1, '/tasks', {
      topic: TOPIC,
      tags: ['skill.n1'],
      text: 'n1 needs skill.n1 from n2',
      budget: 5000,
      bidWindowMs: 1500,
      deliverWindowMs: 5000,
      settleWindowMs: 5000,
    });
    fig['taskSettledMs'] = await until(
      'task settled',
      async () => {
        const t = await getJson<{ state: string; worker?: string }>(n1, `/tasks/${task.id}`);
        return (t.state === 'settled' && t.worker === n2.agent) || `task ${t.state}`;
      },
      DEADLINE_MS,
    );
    const ledger = await getJson<{ totals: { sum: number } }>(n2, '/ledger');
    expect(ledger.totals.sum).toBe(0);

    // ---- server 1 is SIGKILLed: n1 moves to another server; a second round reaches everyone
    const tk = Date.now();
    await cluster.kill(0);
    fig['n1MovedMs'] = await until(
      'n1 on another server',
      async () => {
        const s = await getJson<Status>(n1, '/status');
        return (
          (s.link.state === 'up' && !s.link.transport.server.endsWith(`:${cluster!.servers[0]!.port}`)) ||
          `n1 link ${s.link.state} on ${s.link.transport.server}`
        );
      },
      DEADLINE_MS,
    );
    fig['killToMovedMs'] = Date.now() - tk;
    for (const [i, p] of procs.entries())
      await postJson(p, '/announce', { ...declarationsOf(i, TOPIC, 2)[0], topic: TOPIC });
    for (const p of procs) heads.set(p.agent, 3);
    fig['round2AfterKillMs'] = await until(
      'round 2 after the kill',
      converged(procs, heads, new Map(procs.map((p) => [p.agent, 1]))),
      DEADLINE_MS,
    );

    // ---- retained state after the kill: a node started now learns everything from the buckets. It starts
    // once the cluster has re-elected the leaders the dead server held (its own start would otherwise race
    // the elections, which take over 10 s on a loaded host).
    await cluster.settled(network);
    const late = await startProc({
      dir,
      name: 'late',
      config: {
        dataDir: join(dir, 'late'),
        network,
        broker: cluster.servers[1]!.url,
        declarations: [
          { kind: 'intent', topic: TOPIC, tags: ['skill'], text: 'late, needs any skill', ttlMs: 3_600_000 },
        ],
      },
    });
    fig['lateCatchUpMs'] = await until('late node catches up', converged([late], heads, cands), DEADLINE_MS);
    expect(
      (await getJson<{ gapRepairs: { requested: number } }>(late, '/status')).gapRepairs.requested,
    ).toBeGreaterThanOrEqual(1);

    // ---- a clean stop publishes the death: the others drop n3 at once (no lease to wait for)
    expect(await sees(n1, n3.agent)).toBe(true);
    const ts = Date.now();
    await stopProc(n3, 'SIGTERM');
    await until(
      'n3 dead everywhere',
      async () =>
        (!(await sees(n1, n3.agent)) && !(await sees(n4, n3.agent)) && !(await sees(late, n3.agent))) ||
        'n3 still seen',
      DEADLINE_MS,
    );
    fig['cleanStopDeathMs'] = Date.now() - ts;
    expect(fig['cleanStopDeathMs']).toBeLessThan(30_000); // the death came from the stop, not a lapsed lease
    console.log(`[nats-cluster] ${JSON.stringify(fig)}`);
    await cluster.restart(0);
    await Promise.all([n1, n2, n4, late].map((p) => stopProc(p, 'SIGTERM')));
  }, 300_000);

  it.skipIf(!MOSQ)(
    'an MQTT site bridged into the cluster: agents on both sides discover each other',
    async () => {
      cluster ??= await startNatsCluster(dir);
      // Whatever the first test left (it ends with every server up, unless it failed midway).
      for (const i of [0, 1, 2]) if (!cluster.alive(i)) await cluster.restart(i);
      // The first test ends by restarting the server it killed: its streams catch up and may change leaders. The
      // nodes start once every stream has a leader, instead of racing those elections with their own JetStream wait.
      await cluster.settled('');
      mosq = await startMosquitto(dir, 'site');
      const network = `nm-${process.pid}-${Date.now().toString(36)}`;
      const spec = (name: string, broker: string, i: number) => ({
        dir,
        name,
        config: { dataDir: join(dir, name), network, broker, declarations: declarationsOf(i, TOPIC) },
      });
      const procs = await Promise.all([
        startProc(spec('m1', mosq.url, 10)),
        startProc(spec('m2', mosq.url, 11)),
        startProc(spec('k1', cluster.servers[1]!.url, 12)),
        startProc(spec('k2', cluster.servers[2]!.url, 13)),
        // the bridge node: one link to the site's broker, one to the cluster (spaces separate networks)
        startProc(spec('bridge', `${mosq.url} ${cluster.servers[1]!.url},${cluster.servers[2]!.url}`, 14)),
      ]);
      const heads = new Map(procs.map((p) => [p.agent, 2]));
      const cands = new Map(procs.map((p) => [p.agent, 1]));
      const ms = await until('discovery across the MQTT/NATS bridge', converged(procs, heads, cands), DEADLINE_MS);
      console.log(`[nats-cluster] mixed MQTT + NATS converged ${ms} ms after ready`);
      await Promise.all(procs.map((p) => stopProc(p, 'SIGTERM')));
    },
    180_000,
  );
});
