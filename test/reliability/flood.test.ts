// Floods (docs/reliability.md item 5): a victim node, five honest publishers (2 announcements/s each) and one
// flooding peer, over a private Mosquitto (the embedded broker when Mosquitto is not installed). The
// victim's budget comes from its firmware profile (flood* fields: 5 new entries/s per author, burst 64,
// 5 pull requests/s per requester); the flooder sends headers at 10x that fair rate (validly signed,
// pre-signed before the run, matching the victim's interest, bodies withheld) and repeats
// getBody/getEntries requests at 100/s each. A second attacker floods as fast with headers that claim
// an honest author (honest2) but carry the attacker's signature, and replays honest2's real headers.
// Measured in one run: the honest announcements' delivery P95 (announce -> appended at the victim)
// without the flood and with it, in alternating blocks (each P95 counted as at least NOISE_MS: below that a P95
// over ~100 loopback deliveries is one GC pause or scheduler hiccup). The ratio is a performance figure: it is
// asserted (under 2) in the full campaign (`npm run test:reliability`, 60 s phases, run on its own), and only
// reported in the CI-size run, where other test files share the two cores and a 10 s phase that meets a busy
// neighbour measures the neighbour (ratios from 0.23 to 8 seen at load averages 8-15). What the CI run asserts is
// the mechanism the figure rests on: the gate never refuses an honest author, every honest entry arrives, and
// the flooder is the peer refused most (`rate_limited`), its accepted entries bounded by its budget.
// Local conduct (docs/decisions.md "Local conduct"): afterwards the flooder and two honest nodes get the
// same co-signed receipts; the flooder's trust as the victim sees it must fall below half an honest
// node's (its conduct factor, from its own over-budget signatures), and honest2, whose identity the forged
// flood claimed, must keep conduct 1 and the same trust as honest1.
// AGENTNET_FLOOD_S sets each phase's length (CI 10 s; `npm run test:reliability` 60 s);
// AGENTNET_FLOOD_GATE=off runs the same flood against a victim without the gate (a reference figure,
// not a target: nothing is asserted then but delivery).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { fromHex, toHex } from '../../src/core/base/bytes.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { encodeReceipt, receiptBody, receiptToBeSigned, type Receipt } from '../../src/core/codec/receipt.js';
import type { LogStore } from '../../src/core/log/store.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { startEmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { readSecret } from '../../src/runtime/identity.js';
import { profilePath } from '../../src/runtime/profile.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { crypto, directRequest, identity, seed } from '../helpers.js';
import { mosquittoAvailable, PrivateMosquitto } from './mosquitto.js';
import { record } from './record.js';

const PHASE_S = Number(process.env['AGENTNET_FLOOD_S'] ?? 10);
/** Phases this long are the campaign's measurement run, where the P95 ratio is asserted (see the header). */
const CAMPAIGN_PHASE_S = 60;
const GATE = process.env['AGENTNET_FLOOD_GATE'] !== 'off';
/** P95s below this are measured as this in the 2x check (see the header). */
const NOISE_MS = 50;
const HONEST = 5;
const HONEST_RATE = 2; // announcements/s per honest node
/** The victim's flood budgets, as firmware profile fields (generic-x64 otherwise). */
const LIMITS = {
  floodEntriesPerSecond: 5,
  floodEntriesBurst: 64,
  floodRequestsPerSecond: 5,
  floodRequestsBurst: 10,
  floodRequestsTotalPerSecond: 100,
  floodRequestsTotalBurst: 200,
  floodPeers: 4096,
};
const FLOOD_RATE = 10 * LIMITS.floodEntriesPerSecond; // headers/s: 10x the fair rate
const PULL_RATE = 100; // getBody and getEntries requests/s each
const TOPIC = 'devops_tool_execution';
const quiet = createLogger({ level: 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const storeOf = (n: AgentNode) => (n.core as unknown as { store: LogStore }).store;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.95) - 1)]!;

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/** Runs `fn(n)` for n = 0, 1, ... at `perSecond` until `ms` have passed (catching up after a late timer). */
async function paced(perSecond: number, ms: number, fn: (n: number) => void): Promise<number> {
  const t0 = Date.now();
  let n = 0;
  while (Date.now() - t0 < ms) {
    const due = Math.floor(((Date.now() - t0) / 1000) * perSecond);
    for (; n < due; n++) fn(n);
    await sleep(10);
  }
  return n;
}

describe(`floods (${PHASE_S} s per phase, gate ${GATE ? 'on' : 'off'}; AGENTNET_FLOOD_S, AGENTNET_FLOOD_GATE)`, () => {
  it('per-peer budgets: no honest author refused, every honest entry delivered (P95 ratio under 2 in the campaign); the flooder is refused', async () => {
    const mosq = mosquittoAvailable() ? await PrivateMosquitto.start() : undefined;
    const aedes = mosq ? undefined : await startEmbeddedBroker();
    const url = mosq?.url ?? aedes!.url;
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-flood-'));
    const network = `flood-${process.pid}`;
    const profile = join(dir, 'victim-profile.json');
    writeFileSync(
      profile,
      JSON.stringify({
        ...JSON.parse(readFileSync(profilePath('generic-x64'), 'utf8')),
        name: 'flood-victim',
        ...LIMITS,
      }),
    );
    const start = (name: string, o: { gate?: false; profile?: string; follow?: string[] } = {}) =>
      startNode(
        loadConfig({
          env: {},
          flags: {
            dataDir: join(dir, name),
            network,
            broker: url,
            ...(o.profile ? { profile: o.profile } : {}),
            ...(o.follow ? { follow: o.follow } : {}),
          },
        }),
        { logger: quiet, ...(o.gate === false ? { floodLimits: false as const } : {}) },
      );
    const nodes: AgentNode[] = [];
    const attacker = mqtt.connect(url.replace('?mqtt=4', ''), {
      protocolVersion: url.includes('mqtt=4') ? 4 : 5,
      clientId: `flooder-${process.pid}`,
    });
    try {
      const victim = await start('victim', { profile, follow: [TOPIC], ...(GATE ? {} : { gate: false as const }) });
      nodes.push(victim);
      const intent = victim.announce({ kind: 'intent', topic: TOPIC, tags: ['flood'], text: 'want shells' });
      const honest: AgentNode[] = [];
      for (let i = 0; i < HONEST; i++) honest.push(await start(`honest${i}`));
      nodes.push(...honest);
      // Latency of each honest entry, by the phase it was sent in (base: no flood).
      const sentAt = new Map<string, { t: number; flood: boolean }>();
      const latencies = { base: [] as number[], flood: [] as number[] };
      let inFlood = false;
      victim.onEvent((e) => {
        if (e.type !== 'appended' || e.own) return;
        const s = sentAt.get(`${e.author}/${e.seq}`);
        if (s) latencies[s.flood ? 'flood' : 'base'].push(Date.now() - s.t);
      });
      const announce = (n: number) => {
        const h = honest[n % HONEST]!;
        const r = h.announce({
          kind: 'capability',
          topic: TOPIC,
          tags: [`flood.honest.n${n % HONEST}`],
          text: `honest ${n}`,
        });
        sentAt.set(`${h.core.agentHex}/${r.seq}`, { t: Date.now(), flood: inFlood });
      };
      for (let i = 0; i < HONEST; i++) announce(i);
      await until(
        () => honest.every((h) => victim.discover({ tags: ['flood'] }).some((c) => c.author === h.core.agentHex)),
        60_000,
      );

      // The flooder: a real agent identity whose entries are signed before the run (signing is not what is measured).
      const f = identity('flooder');
      const fcore = new AgentCore({ crypto, store: new MemoryStore(), agentSecret: f.agentSecret, binding: f.binding });
      fcore.start(Date.now());
      const root = `agentnet/v1/${network}/`;
      const fhex = toHex(fcore.agentKey);
      const headers: Uint8Array[] = [];
      for (let i = 0; i < FLOOD_RATE * PHASE_S; i++) {
        fcore.announce(Date.now(), { kind: 'capability', topic: TOPIC, tags: ['flood.shell'], text: `flood ${i}` });
        for (let o = fcore.pollTransmit(); o; o = fcore.pollTransmit()) {
          if (o.op !== 'publish') continue;
          if (o.channel === 'birth')
            attacker.publish(`${root}n/${fhex}`, Buffer.from(o.bytes), { qos: 1, retain: true });
          if (o.channel === 'header') headers.push(o.bytes); // bodies withheld: the victim's pulls of them go unanswered
        }
      }
      // The forger: headers that claim honest2's identity, signed with another key (bad_signature), all at one
      // signed time (a flood in anyone's signed time), and replays of honest2's real first header.
      const h2 = honest[2]!;
      const real = storeOf(victim).get(h2.core.agentKey, TOPIC, 0, 1)!.bytes;
      const realEntry = decodeEntry(real, DEFAULT_LIMITS).entry;
      const mallory = seed('mallory');
      const forgedTs = Date.now();
      const forged = (i: number): Uint8Array => {
        const e: Entry = {
          ...realEntry,
          seq: 1000 + i,
          prev: crypto.sha256(real),
          ts: forgedTs,
          expires: forgedTs + 3_600_000,
        };
        return encodeEntry(e, crypto.signer.sign(mallory, entryToBeSigned(e)));
      };
      let forgedSent = 0;
      // Signed requests (docs/spec/protocol.md "Direct requests"), each with a new ts: authenticated, so
      // they are charged to the flooder's own key.
      let reqTs = Date.now();
      const getBody = () =>
        Buffer.from(
          directRequest(f, victim.core.agentKey, (reqTs = Math.max(Date.now(), reqTs + 1)), {
            type: 'getBody',
            bodyHash: fromHex(intent.bodyHash),
          }),
        );
      const getEntries = () =>
        Buffer.from(
          directRequest(f, victim.core.agentKey, (reqTs = Math.max(Date.now(), reqTs + 1)), {
            type: 'getEntries',
            author: victim.core.agentKey,
            topic: TOPIC,
            epoch: 0,
            fromSeq: 1,
            toSeq: 64,
          }),
        );

      // The two phases alternate in blocks (base, flood, base, flood, ...), so that a change of the
      // machine's load during the run weighs on both alike; after each block its honest entries are
      // awaited and the victim's queue is given half a second to drain.
      const BLOCKS = 5;
      const blockMs = (PHASE_S * 1000) / BLOCKS;
      let floodSent = 0;
      let honestN = HONEST;
      const sent = { base: 0, flood: 0 };
      for (let b = 0; b < 2 * BLOCKS; b++) {
        inFlood = b % 2 === 1;
        const floods = inFlood
          ? [
              paced(FLOOD_RATE, blockMs, () => {
                if (floodSent >= headers.length) return;
                attacker.publish(`${root}h/${TOPIC}`, Buffer.from(headers[floodSent]!), { qos: 1 });
                floodSent++;
              }),
              paced(FLOOD_RATE, blockMs, (n) => {
                attacker.publish(`${root}h/${TOPIC}`, Buffer.from(n % 2 ? real : forged(forgedSent)), { qos: 1 });
                forgedSent++;
              }),
              paced(PULL_RATE, blockMs, () => {
                attacker.publish(`${root}d/${victim.core.agentHex}`, getBody(), { qos: 1 });
                attacker.publish(`${root}d/${victim.core.agentHex}`, getEntries(), { qos: 1 });
              }),
            ]
          : [];
        sent[inFlood ? 'flood' : 'base'] += await paced(HONEST * HONEST_RATE, blockMs, () => announce(honestN++));
        await Promise.all(floods);
        await until(() => latencies.base.length >= sent.base && latencies.flood.length >= sent.flood, 60_000); // every honest entry arrives
        await sleep(500);
      }
      const base = { sent: sent.base, p95: p95(latencies.base) };
      const flooded = { sent: sent.flood, p95: p95(latencies.flood) };
      await sleep(2000);
      const st = victim.status() as Record<string, unknown> & {
        rejected: Record<string, number>;
        rateLimited?: {
          entries: Array<{ key: string; refused: number }>;
          requests: Array<{ key: string; refused: number }>;
        };
      };
      const accepted = storeOf(victim).head(fcore.agentKey, TOPIC)?.seq ?? 0;
      const ratio = flooded.p95 / Math.max(1, base.p95);
      const judged = Math.max(NOISE_MS, flooded.p95) / Math.max(NOISE_MS, base.p95);

      // Conduct: honest0 publishes the same co-signed receipts (3 each, outcome 900) for the flooder, honest1
      // and honest2; the victim recomputes trust and reports it with its conduct factors.
      const secretOf = (i: number) => readSecret(join(dir, `honest${i}`, 'identity', 'agent.key'));
      let task = 0;
      const receipt = (worker: Uint8Array, workerSecret: Uint8Array) => {
        const r: Receipt = {
          taskId: crypto.sha256(new Uint8Array([task >> 8, task++ & 255])),
          topic: TOPIC,
          requester: honest[0]!.core.agentKey,
          worker,
          outcome: 900,
          ts: Date.now(),
        };
        return encodeReceipt(
          r,
          crypto.signer.sign(secretOf(0), receiptToBeSigned(r, r.requester)),
          crypto.signer.sign(workerSecret, receiptToBeSigned(r, r.worker)),
        );
      };
      const workers: Array<[Uint8Array, Uint8Array]> = [
        [fcore.agentKey, f.agentSecret],
        [honest[1]!.core.agentKey, secretOf(1)],
        [h2.core.agentKey, secretOf(2)],
      ];
      for (let k = 0; k < 3; k++)
        for (const [w, sk] of workers) honest[0]!.announce({ ...receiptBody(receipt(w, sk), TOPIC), topic: TOPIC });
      await until(() => (victim.trust().status as { receipts: { accepted: number } }).receipts.accepted === 9, 60_000);
      victim.recomputeTrust();
      type TE = { agent: string; trust: number; computed: number; conduct: number; receipts: number };
      const view = Object.fromEntries((victim.trust(TOPIC).entries as TE[]).map((e) => [e.agent, e]));
      const [fv, h1v, h2v] = [view[fhex]!, view[honest[1]!.core.agentHex]!, view[h2.core.agentHex]!];
      const conductSt = (victim.status() as unknown as { trust: { status: { conduct: { violations: number } } } }).trust
        .status.conduct;
      const figure =
        `gate ${GATE ? 'on' : 'off'}; ${HONEST} honest nodes x ${HONEST_RATE}/s, flooder ${FLOOD_RATE} headers/s (10x its budget of ${LIMITS.floodEntriesPerSecond}/s) + ${PULL_RATE} getBody/s + ${PULL_RATE} getEntries/s for ${PHASE_S} s: ` +
        `honest delivery P95 ${base.p95} ms without the flood, ${flooded.p95} ms with it (ratio ${ratio.toFixed(2)}, judged with the ${NOISE_MS} ms floor ${judged.toFixed(2)}; ${base.sent}+${flooded.sent} honest entries, all delivered); ` +
        `flooder: ${floodSent} headers sent, ${accepted} in the victim's log, rate_limited ${st.rejected['rate_limited'] ?? 0} (entries ${st.rateLimited?.entries.find((x) => x.key === fhex)?.refused ?? 0}, requests ${st.rateLimited?.requests.find((x) => x.key === fhex)?.refused ?? 0}), other rejections ${JSON.stringify(Object.fromEntries(Object.entries(st.rejected).filter(([k]) => k !== 'rate_limited')))}; ` +
        `forger: ${forgedSent} headers claiming honest2 (half forged, half replays); conduct after the flood (${conductSt.violations} violations recorded): flooder ${fv.conduct.toFixed(3)}, honest1 ${h1v.conduct}, honest2 ${h2v.conduct}; ` +
        `trust with the same 3 receipts each: flooder ${fv.trust.toFixed(3)} (computed ${fv.computed.toFixed(3)}), honest1 ${h1v.trust.toFixed(3)}, honest2 ${h2v.trust.toFixed(3)}`;
      console.log(`flood: ${figure}`);
      if (GATE) {
        expect(st.rateLimited!.entries[0]!.key).toBe(fhex);
        expect(st.rateLimited!.requests[0]!.key).toBe(fhex);
        expect(st.rejected['rate_limited']).toBeGreaterThan(FLOOD_RATE * PHASE_S * 0.5);
        expect(accepted).toBeLessThanOrEqual(LIMITS.floodEntriesBurst + LIMITS.floodEntriesPerSecond * (PHASE_S + 10));
        // Honest authors are never refused: the budgets are per author and per requester.
        const honestKeys = new Set([...honest.map((h) => h.core.agentHex), h2.core.agentHex]);
        for (const row of [...st.rateLimited!.entries, ...st.rateLimited!.requests])
          expect(honestKeys.has(row.key), `honest ${row.key} refused ${row.refused}`).toBe(false);
        if (PHASE_S >= CAMPAIGN_PHASE_S) expect(judged).toBeLessThan(2);
        // Same receipts, same computed trust; the flooder's own over-budget signatures cost it more than half.
        for (const v of [fv, h1v, h2v]) expect(v.receipts).toBe(3);
        expect(fv.computed).toBeCloseTo(h1v.computed, 9);
        expect(fv.conduct).toBeLessThan(0.5);
        expect(fv.trust).toBeLessThan(0.5 * h1v.trust);
        // The forged flood and the replays claimed honest2: nothing of it is attributed.
        expect(h1v.conduct).toBe(1);
        expect(h2v.conduct).toBe(1);
        expect(h2v.trust).toBeCloseTo(h1v.trust, 9);
      } else expect(fv.conduct).toBe(1); // no gate, no conduct record
      record(`5. floods (gate ${GATE ? 'on' : 'off'})`, figure, !GATE || judged < 2);
    } finally {
      attacker.end(true);
      for (const n of nodes) await n.close().catch(() => undefined);
      await mosq?.down();
      await aedes?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
