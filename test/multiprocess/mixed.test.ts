// Multi-process (docs/transports.md): real `agentnet run` processes on loopback, about half on MQTT and
// half on a UDP LAN mesh, one node on both (the bridge). Every node announces a capability and an
// intent in one topic and must converge on every other node's declarations (log heads and discovered
// candidates, read over each node's HTTP API). Then one MQTT node and one UDP node are killed with
// SIGKILL, the others announce more, and the two are restarted on their data directories: they must
// catch up from frontiers (gap repair), and be seen again by everyone. The bridge must forward each
// header between the networks exactly once (its counters; an MQTT observer and a UDP mesh observer
// count every header by content).
//
// Size: AGENTNET_MP_NODES (default 6 in `npm test`; the issue's full run is AGENTNET_MP_NODES=10).
// Broker: MQTT_URL (the system Mosquitto in CI) or an embedded broker, on a network name unique to
// the run. Figures measured here are printed as one `[multiprocess]` JSON line (docs/transports.md).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { duplicates, headersBy, mqttHeaderCounter, udpHeaderCounter } from './observers.js';
import {
  declarationsOf,
  freeUdpPort,
  getJson,
  killAll,
  missingCandidates,
  missingHeads,
  postJson,
  startProc,
  stopProc,
  until,
  type Proc,
  type ProcSpec,
} from './procs.js';

const N = Number(process.env['AGENTNET_MP_NODES'] ?? 6);
const TOPIC = 'code_review_security';
// Deadlines are generous (a loaded 2-core CI machine); nothing is asserted on elapsed time.
const CONVERGE_MS = 90_000;

const dir = mkdtempSync(join(tmpdir(), 'agentnet-mp-'));
afterAll(async () => {
  await killAll();
  // AGENTNET_MP_KEEP=1 keeps the data directories, configs and every node's log for a post-mortem.
  if (process.env['AGENTNET_MP_KEEP']) console.log(`[multiprocess] kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

type Role = 'mqtt' | 'udp' | 'bridge';
interface Member {
  readonly i: number;
  readonly role: Role;
  readonly spec: ProcSpec;
  proc: Proc;
}

describe(`multi-process: ${N} node processes, MQTT and a UDP mesh joined by a bridge node`, () => {
  it('all converge; a killed MQTT node and a killed UDP node catch up after restart; the bridge forwards each header once', async () => {
    if (!Number.isInteger(N) || N < 4)
      throw new RangeError(`AGENTNET_MP_NODES must be an integer >= 4, got ${process.env['AGENTNET_MP_NODES']}`);
    const network = `mp-${process.pid}-${Date.now().toString(36)}`;
    let embedded: EmbeddedBroker | undefined;
    const brokerUrl = process.env['MQTT_URL'] ?? (embedded = await startEmbeddedBroker()).url;
    // N = 6: 3 on MQTT, 2 on the mesh, the bridge on both; N = 10: 5, 4 and the bridge.
    const nMqtt = Math.ceil((N - 1) / 2);
    const nUdp = N - 1 - nMqtt;
    const ports = await Promise.all(Array.from({ length: nUdp + 1 }, () => freeUdpPort()));
    const bridgePort = ports[nUdp]!;
    const udpUrl = (k: number) => {
      // One seed per node, as on a LAN where a node knows one address: the first mesh node seeds from
      // the bridge, every other from the first mesh node. The rest comes from beacons.
      const seed = k === 0 ? bridgePort : ports[0]!;
      return `udp://127.0.0.1:${ports[k]}?peers=127.0.0.1:${seed}`;
    };
    const roles: Role[] = [...Array<Role>(nMqtt).fill('mqtt'), ...Array<Role>(nUdp).fill('udp'), 'bridge'];
    const members: Member[] = roles.map((role, i) => {
      const broker =
        role === 'mqtt'
          ? brokerUrl
          : role === 'udp'
            ? udpUrl(i - nMqtt)
            : `${brokerUrl} udp://127.0.0.1:${bridgePort}?peers=127.0.0.1:${ports[0]}`;
      const spec: ProcSpec = {
        dir,
        name: `${role}-${i}`,
        config: { dataDir: join(dir, `node-${i}`), network, broker, declarations: declarationsOf(i, TOPIC) },
      };
      return { i, role, spec, proc: undefined as unknown as Proc };
    });
    const mqttObs = await mqttHeaderCounter(brokerUrl, network);
    const udpObs = await udpHeaderCounter([`127.0.0.1:${ports[0]}`, `127.0.0.1:${bridgePort}`]);
    const fig: Record<string, unknown> = {
      nodes: N,
      mqtt: nMqtt,
      udp: nUdp,
      bridge: 1,
      broker: embedded ? 'embedded (aedes, MQTT 3.1.1)' : brokerUrl,
    };
    try {
      // ---- start everything at once; converge on round 1 (capability seq 1, intent seq 2 per author)
      const t0 = Date.now();
      await Promise.all(members.map(async (m) => (m.proc = await startProc(m.spec))));
      fig['allReadyMs'] = Date.now() - t0;
      const heads = new Map(members.map((m) => [m.proc.agent, 2]));
      const cands = new Map(members.map((m) => [m.proc.agent, 1]));
      const converged =
        (ms: readonly Member[], h: Map<string, number>, c: Map<string, number>) => async (): Promise<true | string> => {
          const gaps = await Promise.all(
            ms.map(
              async (m) =>
                [
                  m.spec.name,
                  [
                    ...(await missingHeads(m.proc, TOPIC, h)),
                    ...(await missingCandidates(m.proc, TOPIC, c)).map((x) => `cand ${x}`),
                  ],
                ] as const,
            ),
          );
          const open = gaps.filter(([, g]) => g.length);
          return (
            open.length === 0 ||
            open
              .map(([n, g]) => `${n} lacks ${g.slice(0, 4).join(' ')}${g.length > 4 ? ` (+${g.length - 4})` : ''}`)
              .join('; ')
          );
        };
      fig['convergeMs'] = await until('round 1 convergence', converged(members, heads, cands), CONVERGE_MS);
      fig['convergeFromSpawnMs'] = Date.now() - t0;

      // ---- kill one MQTT node and one mesh node; the others announce a second capability (seq 3)
      const victims = [members[nMqtt - 1]!, members[nMqtt + nUdp - 1]!];
      expect(victims.map((v) => v.role)).toEqual(['mqtt', 'udp']);
      await Promise.all(victims.map((v) => stopProc(v.proc, 'SIGKILL')));
      const alive = members.filter((m) => !victims.includes(m));
      const round2 = await Promise.all(
        alive.map((m) => postJson<{ seq: number }>(m.proc, '/announce', declarationsOf(m.i, TOPIC, 2)[0])),
      );
      expect(round2.map((r) => r.seq)).toEqual(alive.map(() => 3));
      for (const m of alive) (heads.set(m.proc.agent, 3), cands.set(m.proc.agent, 3));
      const others = (h: Map<string, number>) =>
        new Map([...h].filter(([a]) => !victims.some((v) => v.proc.agent === a)));
      fig['round2ConvergeMs'] = await until(
        'round 2 among the live nodes',
        converged(alive, others(heads), others(cands)),
        CONVERGE_MS,
      );

      // ---- restart both on their data directories: they catch up from frontiers, everyone sees them
      const tr = Date.now();
      await Promise.all(victims.map(async (v) => (v.proc = await startProc(v.spec))));
      fig['restartReadyMs'] = Date.now() - tr;
      fig['catchUpMs'] = await until('restarted nodes catch up', converged(victims, heads, cands), CONVERGE_MS);
      fig['allSeeRestartedMs'] = await until(
        'everyone sees the restarted nodes',
        converged(members, heads, cands),
        CONVERGE_MS,
      );
      for (const v of victims) {
        const s = await getJson<{ gapRepairs: { requested: number }; entries: number }>(v.proc, '/status');
        // Round 2 was announced while they were down: only gap repair from frontiers can have brought it.
        expect(s.gapRepairs.requested, `${v.spec.name} gap repairs`).toBeGreaterThanOrEqual(1);
      }

      // ---- the bridge forwarded each header between the networks exactly once. Headers are live
      // messages: one published before the bridge was subscribed on its side is not forwarded (its entry
      // crossed by gap repair instead, as the convergence above shows). So: every round-2 header (all up)
      // crossed, no header reached either network twice, and the bridge's per-side counters equal the
      // headers of the other network's authors that the observers saw.
      const bridge = members[N - 1]!;
      const authors = (r: Role) => new Set(members.filter((m) => m.role === r).map((m) => m.proc.agent));
      const [mqttAuthors, udpAuthors] = [authors('mqtt'), authors('udp')];
      const r2 = (r: Role) => alive.filter((m) => m.role === r).length;
      await until(
        'round-2 headers crossed the bridge',
        async () => {
          const [toUdp, toMqtt] = [headersBy(udpObs, mqttAuthors, 3), headersBy(mqttObs, udpAuthors, 3)];
          return (
            (toUdp === r2('mqtt') && toMqtt === r2('udp')) ||
            `on the mesh ${toUdp}/${r2('mqtt')} MQTT-authored, on the broker ${toMqtt}/${r2('udp')} mesh-authored`
          );
        },
        CONVERGE_MS,
      );
      type Side = { forwardedFrom: Record<string, number> };
      const bridgeStats = async () =>
        (
          await getJson<{
            link: { transport: { forwarded: Record<string, number>; echoes: number; sides: [Side, Side] } };
          }>(bridge.proc, '/status')
        ).link.transport;
      // The broker (TCP, QoS 1) shows the observer everything, so mesh->MQTT must match exactly. The mesh
      // is UDP: under load a datagram to the observer may drop, so MQTT->mesh is bounded on both sides:
      // the bridge forwarded at most one copy of each MQTT-authored header (all of which the broker
      // observer saw), and the mesh observer saw no more than the bridge forwarded.
      await until(
        'bridge counters match the observers',
        async () => {
          const st = await bridgeStats();
          const [fromMqtt, fromUdp] = [st.sides[0].forwardedFrom['header']!, st.sides[1].forwardedFrom['header']!];
          const [seenOnUdp, seenOnMqtt, mqttHeaders] = [
            headersBy(udpObs, mqttAuthors),
            headersBy(mqttObs, udpAuthors),
            headersBy(mqttObs, mqttAuthors),
          ];
          return (
            (fromMqtt <= mqttHeaders && seenOnUdp <= fromMqtt && fromUdp === seenOnMqtt) ||
            `forwarded MQTT->mesh ${fromMqtt} of ${mqttHeaders} MQTT-authored (${seenOnUdp} seen on the mesh); mesh->MQTT ${fromUdp} vs ${seenOnMqtt} seen on the broker`
          );
        },
        CONVERGE_MS,
      );
      const stats = await bridgeStats();
      fig['bridge'] = stats;
      expect(duplicates(mqttObs)).toBe(0);
      expect(duplicates(udpObs)).toBe(0);
      expect(stats.sides[0].forwardedFrom['header']).toBeLessThanOrEqual(headersBy(mqttObs, mqttAuthors));
      expect(stats.sides[1].forwardedFrom['header']).toBe(headersBy(mqttObs, udpAuthors));
      expect(headersBy(mqttObs, new Set([bridge.proc.agent]))).toBe(3); // its own, on the broker once each
      const allHeaders = [...heads.values()].reduce((a, x) => a + x, 0);
      fig['headers'] = { authored: allHeaders, onBroker: mqttObs.counts.size, onMesh: udpObs.counts.size };
      console.log(`[multiprocess] ${JSON.stringify(fig)}`);
    } catch (e) {
      // What each live node knew when the deadline passed: the first thing to read in a CI failure.
      for (const m of members.filter(
        (x) => x.proc && x.proc.child.exitCode === null && x.proc.child.signalCode === null,
      )) {
        const st = await getJson(m.proc, '/status').catch((x: Error) => ({ error: x.message }));
        const { agent, entries, knownAgents, candidates, pulls, gapRepairs, pending, rejected, link } = st as Record<
          string,
          unknown
        >;
        console.log(
          `[multiprocess] ${m.spec.name} ${JSON.stringify({ agent: String(agent).slice(0, 8), entries, knownAgents, candidates, pulls, gapRepairs, pending, rejected, link })}`,
        );
      }
      throw e;
    } finally {
      await Promise.all(members.filter((m) => m.proc).map((m) => stopProc(m.proc, 'SIGTERM')));
      await udpObs.close();
      if (!embedded) await mqttObs.clearRetained();
      await mqttObs.close();
      await embedded?.close();
    }
  }, 420_000);
});
