// Acceptance checks and bad-delivery proofs on `agentnet run` processes over their own Mosquitto (free loopback
// port), driven only through the local HTTP API and the wire (docs/spec/tasks.md "Acceptance checks",
// "Bad-delivery proofs"):
//  - a task posted with an acceptance check reads back with it, at the requester and at the worker; the built-in
//    worker's artefact passes it and the requester records `acceptance: passed`;
//  - a check the built-in worker's artefact would fail gets no bid from it; the task expires with nothing paid;
//  - an exec worker whose output fails the check: its node refuses to sign it (the adapter run fails `malformed`,
//    naming the condition) and the task defaults at the requester, nothing delivered;
//  - out-of-range `accept` fields are refused with a typed 400 naming the field, and nothing is posted;
//  - a hostile peer publishes on the fraud channel: garbage and a forged proof (the artefact passes the check) are
//    counted `bad_delivery_proof` and slash nobody; a valid proof against a key the peer owns is verified by an
//    observer that never saw the task, which slashes that key;
//  - a modified worker (a node in the test process whose engine is called directly) delivers a failing artefact
//    anyway: the requester rates it 0 and burns the worker's deposit (slash.bad_work), read back on GET /ledger.
// Skipped, saying so, only when the Mosquitto binary is absent.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/base/bytes.js';
import type { AcceptCheck } from '../../src/core/codec/task.js';
import { badDeliveryKey, encodeBadDeliveryProof } from '../../src/core/identity/bad-delivery.js';
import { crypto, hex, seed, signedDelivery, taskAnnounce } from '../helpers.js';
import { api, NodeFleet } from '../integration/node-kit.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';
import { getJson, hasBinary, killAll, postJson, startProc, until, type Proc } from './procs.js';

const HAVE = hasBinary('mosquitto');
if (!HAVE) console.warn('acceptance test skipped: no mosquitto binary (apt-get install mosquitto)');
const TOPIC = 'data_analysis';
const dir = mkdtempSync(join(tmpdir(), 'agentnet-acceptance-'));
const network = `acc-${process.pid}-${Date.now().toString(36)}`;
let mq: Mosquitto;
let rita: Proc, wes: Proc, tom: Proc, vic: Proc;

const node = (name: string, extra: Record<string, unknown> = {}) =>
  startProc({ dir, name, config: { dataDir: join(dir, name), network, broker: mq.url, ...extra } });
type Task = { id: string; state: string; accept?: unknown; acceptance?: string; outcome?: number; bids: unknown[] };
const task = (p: Proc, id: string) => getJson<Task>(p, `/tasks/${id}?view=full`);
const post = (accept: unknown, bidWindowMs = 2000) =>
  postJson<Task>(rita, '/tasks', {
    topic: TOPIC,
    tags: ['data.analysis'],
    text: 'summarise table t',
    budget: 5000,
    bidWindowMs,
    deliverWindowMs: 20_000,
    settleWindowMs: 20_000,
    rater: 'auto',
    accept,
  });
const rejected = async (p: Proc, reason: string) =>
  (await getJson<{ rejected: Record<string, number> }>(p, '/status')).rejected[reason] ?? 0;

beforeAll(async () => {
  if (!HAVE) return;
  mq = await startMosquitto(dir, 'broker');
  rita = await node('rita', {
    declarations: [
      { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need', key: 'analysis' },
      { kind: 'intent', topic: TOPIC, tags: ['data.rows'], text: 'need rows', key: 'rows' },
    ],
  });
  wes = await node('wes', {
    declarations: [
      { kind: 'capability', topic: TOPIC, tags: ['data.analysis.summary'], text: 'summaries', price: 1000 },
    ],
    tasks: { worker: 'auto' },
  });
  tom = await node('tom', { follow: [TOPIC] });
  // an exec worker whose output has the wrong shape: its node must refuse to sign it
  const sloppy = {
    kind: 'exec',
    command: process.execPath,
    args: ['-e', 'process.stdout.write(\'{"rows":"three"}\')'],
  };
  vic = await node('vic', {
    declarations: [
      { kind: 'capability', topic: TOPIC, tags: ['data.rows'], text: 'counts', price: 900, adapter: 'sloppy' },
    ],
    adapters: { sloppy },
  });
  const found = async (tag: string) =>
    (await getJson<{ candidates: { author: string }[] }>(rita, `/discover?tags=${tag}&topic=${TOPIC}`)).candidates.map(
      (x) => x.author,
    );
  await until(
    'rita discovers wes and vic',
    async () =>
      ((await found('data.analysis')).includes(wes.agent) && (await found('data.rows')).includes(vic.agent)) ||
      'not yet',
    30_000,
  );
}, 120_000);
afterAll(async () => {
  await killAll();
  await mq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE)('acceptance checks and bad-delivery proofs on agentnet run processes', () => {
  it('a check the worker passes reads back on both sides and is recorded as passed', async () => {
    const accept = {
      kind: 'json',
      members: [
        ['result', 'string'],
        ['task', 'string'],
      ],
    };
    const t = await post(accept);
    expect(t.accept).toEqual(accept);
    await until(
      'wes is invited',
      async () => (await task(wes, t.id).catch(() => undefined)) !== undefined || 'no',
      20_000,
    );
    expect((await task(wes, t.id)).accept).toEqual(accept);
    await until(
      'the task settles',
      async () => {
        const s = await task(rita, t.id);
        return s.state === 'settled' || s.state;
      },
      40_000,
    );
    const done = await task(rita, t.id);
    expect(done.acceptance).toBe('passed');
    expect(done.outcome).toBe(1000); // the auto rater's score for the auto worker's artefact
  }, 60_000);

  it('the built-in worker does not bid on a task whose check its artefact would fail', async () => {
    const t = await post({ kind: 'json', members: [['rows', 'number']] }, 1500);
    await until(
      'the task ends',
      async () => {
        const s = await task(rita, t.id);
        return s.state === 'expired' || s.state;
      },
      30_000,
    );
    expect((await task(rita, t.id)).bids).toEqual([]);
    // wes was invited (it holds the task) and declined: no bid from the auto worker
    expect(['invited', 'lost']).toContain((await task(wes, t.id)).state);
    const l = await getJson<{ balance: number }>(rita, '/ledger');
    expect(l.balance).toBeGreaterThan(0);
  }, 40_000);

  it("an exec worker's output that fails the check is not delivered: the run fails, the task defaults", async () => {
    const t = await postJson<Task>(rita, '/tasks', {
      topic: TOPIC,
      tags: ['data.rows'],
      text: 'count the rows',
      budget: 5000,
      bidWindowMs: 1500,
      deliverWindowMs: 3000,
      settleWindowMs: 5000,
      accept: { kind: 'json', members: [['rows', 'number']] },
    });
    type Run = { adapter: { state: string; failure?: string; error?: string } };
    await until(
      "vic's adapter run fails",
      async () => {
        const v = await getJson<Task & Partial<Run>>(vic, `/tasks/${t.id}`).catch(() => undefined);
        return v?.adapter?.state === 'failed' || `vic: ${v?.state} ${JSON.stringify(v?.adapter)}`;
      },
      30_000,
    );
    const v = await getJson<Task & Run>(vic, `/tasks/${t.id}`);
    expect(v.adapter).toMatchObject({ failure: 'malformed' });
    expect(v.adapter.error).toMatch(/acceptance check \(member "rows" is string, not number\); it was not delivered/);
    await until(
      'the task defaults at the requester',
      async () => {
        const s = await task(rita, t.id);
        return s.state === 'defaulted' || s.state;
      },
      30_000,
    );
    expect((await task(rita, t.id)).acceptance).toBeUndefined(); // nothing was ever delivered to check
  }, 60_000);

  it("a modified worker that delivers a failing artefact anyway loses its deposit in the requester's ledger", async () => {
    // mal is a node in this test process whose engine is called directly, as a modified node would: its runtime
    // would refuse the artefact. rita is the real process; what she books is read back through her API.
    const fleet = new NodeFleet('acc-mal');
    fleet.brokerUrl = mq.url;
    try {
      const mal = await fleet.start('mal', {
        network,
        declarations: [
          { kind: 'capability', topic: TOPIC, tags: ['data.sql.count'], text: 'counts', price: 800, ttlMs: 3_600_000 },
        ],
        tasks: { worker: 'manual', retryMs: 300 },
      });
      await postJson(rita, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.sql'], text: 'need counts' });
      await until(
        'rita discovers mal',
        async () =>
          (
            await getJson<{ candidates: { author: string }[] }>(rita, `/discover?tags=data.sql&topic=${TOPIC}`)
          ).candidates.some((c) => c.author === mal.core.agentHex) || 'not yet',
        30_000,
      );
      const tomProofs = async () =>
        (await getJson<{ status: { fraudProofs: number } }>(tom, '/trust')).status.fraudProofs;
      const tomBefore = await tomProofs();
      // a mechanism of rita's own: a deposit of 800, a quarter of it burned for bad work
      const mechanism = {
        version: 1,
        alloc: { rule: 'lowest_bid', teamSize: 1 },
        reward: { rule: 'fixed', basis: 'delivery', poolBp: 10_000 },
        deposit: 800,
        slashing: { no_delivery: 5000, bad_work: 2500 },
        audit: { rateBp: 0 },
        requiredTier: 2,
        dispute: { procedure: 'verified', bond: 100 },
      };
      const t = await postJson<Task & { mechanism: unknown }>(rita, '/tasks', {
        topic: TOPIC,
        tags: ['data.sql'],
        text: 'count the rows of t',
        budget: 5000,
        bidWindowMs: 2000,
        deliverWindowMs: 20_000,
        settleWindowMs: 20_000,
        accept: { kind: 'json', members: [['rows', 'number']] },
        mechanism,
      });
      expect(t.mechanism).toEqual(mechanism); // read back as posted, and as the worker holds it
      await until('mal is invited', async () => mal.tasks.get(t.id) !== undefined || 'no', 20_000);
      expect((await api(mal, `/tasks/${t.id}`)).json.mechanism).toEqual(mechanism);
      await api(mal, `/tasks/${t.id}/bid`, { price: 1000 });
      await until('mal is awarded', async () => mal.tasks.get(t.id)?.state === 'awarded' || 'no', 20_000);
      const eng = mal.tasks.engine as unknown as { deliver(now: number, id: string, a: Uint8Array): unknown };
      const runner = mal.tasks as unknown as { call<T>(fn: (now: number) => T): T };
      runner.call((now) => eng.deliver(now, t.id, utf8('{"rows": "twelve"}')));
      await until(
        'the task settles at rita',
        async () => {
          const s = await task(rita, t.id);
          return s.state === 'settled' || s.state;
        },
        30_000,
      );
      const done = await task(rita, t.id);
      expect(done.acceptance).toBe('failed: member "rows" is string, not number');
      expect(done.outcome).toBe(0);
      const entries = (
        await getJson<{ entries: { rule: string; amount: number; from: string }[] }>(rita, `/ledger?task=${t.id}`)
      ).entries;
      expect(entries.filter((p) => p.rule === 'burn').map((p) => p.amount)).toEqual([200]);
      expect(entries.filter((p) => p.rule === 'reward')).toEqual([]);
      const own = (await api(mal, `/ledger?task=${t.id}`)).json.entries as { rule: string; amount: number }[];
      expect(own.filter((p) => p.rule === 'burn').map((p) => p.amount)).toEqual([200]);
      // rita's proof reaches tom, who took no part, and he slashes mal (at his next trust recompute)
      await until(
        'tom slashes mal',
        async () => (await tomProofs()) === tomBefore + 1 || `fraudProofs ${await tomProofs()}`,
        30_000,
      );
    } finally {
      await fleet.close();
    }
  }, 90_000);

  it('refuses out-of-range accept fields with a typed error, posting nothing', async () => {
    const before = (await getJson<{ tasks: unknown[] }>(rita, '/tasks')).tasks.length;
    const bad: [unknown, RegExp][] = [
      ['json', /JSON object/],
      [{ kind: 'xml' }, /kind must be sha256 or json/],
      [{ kind: 'sha256', digest: 'AB'.repeat(32) }, /64 lowercase hex/],
      [{ kind: 'json', members: Array(17).fill(['a', 'number']) }, /1\.\.16/],
      [{ kind: 'json', members: [['a', 'integer']] }, /type must be one of/],
      [
        {
          kind: 'json',
          members: [
            ['a', 'number'],
            ['a', 'string'],
          ],
        },
        /named twice/,
      ],
    ];
    for (const [accept, why] of bad) {
      const r = await fetch(`${rita.api}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic: TOPIC, tags: ['data.analysis'], budget: 10, accept }),
      });
      expect(r.status).toBe(400);
      const e = ((await r.json()) as { error: { code: string; field: string; message: string } }).error;
      expect(e).toMatchObject({ code: 'BAD_REQUEST', field: 'accept' });
      expect(e.message).toMatch(why);
    }
    expect((await getJson<{ tasks: unknown[] }>(rita, '/tasks')).tasks.length).toBe(before);
  });

  it('a hostile peer on the fraud channel: forgeries are refused, a valid proof slashes its worker', async () => {
    const boss = { agentKey: crypto.signer.publicKey(seed('acc/boss')), agentSecret: seed('acc/boss') };
    const mule = crypto.signer.publicKey(seed('acc/mule'));
    const accept: AcceptCheck = { kind: 'json', members: [['rows', 'number']] };
    const { entry: announce, body, task } = taskAnnounce({ requester: boss, accept, now: Date.now(), topic: TOPIC });
    const proofOf = (artefact: Uint8Array) =>
      encodeBadDeliveryProof({
        announce,
        body,
        delivery: signedDelivery(task, artefact, mule, seed('acc/mule'), Date.now()),
        artefact,
      });
    const topic = `agentnet/v1/${network}/x/${badDeliveryKey(hex(mule))}`;
    const peer = await mqtt.connectAsync(mq.url, { protocolVersion: 5 });
    try {
      const trust = () => getJson<{ status: { fraudProofs: number } }>(tom, '/trust');
      const before = await rejected(tom, 'bad_delivery_proof');
      const proven = (await trust()).status.fraudProofs; // the earlier cases' proofs (mal's bad delivery)
      await peer.publishAsync(topic, Buffer.from('not a proof'), { qos: 1, retain: true });
      await peer.publishAsync(topic, Buffer.from(proofOf(utf8('{"rows": 3}'))), { qos: 1, retain: true });
      await until(
        'tom refuses both',
        async () => (await rejected(tom, 'bad_delivery_proof')) - before >= 2 || 'not yet',
        20_000,
      );
      expect((await trust()).status.fraudProofs).toBe(proven);
      await peer.publishAsync(topic, Buffer.from(proofOf(utf8('{"rows": "three"}'))), { qos: 1, retain: true });
      await until(
        'tom slashes the mule (at its next trust recompute)',
        async () =>
          (await trust()).status.fraudProofs === proven + 1 || `fraudProofs ${(await trust()).status.fraudProofs}`,
        30_000,
      );
      expect((await rejected(tom, 'bad_delivery_proof')) - before).toBe(2);
    } finally {
      await peer.endAsync();
    }
  }, 60_000);
});
