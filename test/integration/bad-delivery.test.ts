// A bad delivery between real nodes (SQLite, verifier, driver, MQTT transport, trust) over the embedded broker
// (docs/spec/tasks.md "Acceptance checks", "Bad-delivery proofs"): a task names an acceptance check; the worker's
// runtime refuses to deliver an artefact that fails it; a worker that delivers one anyway (its engine called
// directly, as a modified node would) is rated 0 by the requester, whose node publishes the bad-delivery proof on
// the fraud channel; a third node that never took part verifies it by rerunning the check and slashes the worker;
// both parties' ledgers burn the worker's deposit (the mechanism's slash.bad_work).
// A forged proof (its artefact passes the check) is refused there and slashes nobody.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../../src/core/base/bytes.js';
import { crypto } from '../helpers.js';
import { encodeTaskMsg, taskMsgToBeSigned, type TaskMsg } from '../../src/core/codec/task.js';
import { badDeliveryKey, encodeBadDeliveryProof } from '../../src/core/identity/bad-delivery.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { until, api, NodeFleet } from './node-kit.js';

const TOPIC = 'data_analysis';
const ACCEPT = {
  kind: 'json',
  members: [
    ['rows', 'number'],
    ['sql', 'string'],
  ],
};

type Internals = {
  call<T>(fn: (now: number) => T): T;
  d: { node: { agent: { publishRetained(c: string, k: string, b: Uint8Array): void } } };
};
type Engine = {
  deliver(now: number, id: string, a: Uint8Array): unknown;
  tasks: Map<string, { entry: string; body: string }>;
  o: { agentSecret: Uint8Array };
};

describe('a bad delivery between real nodes over the embedded broker', () => {
  let broker: EmbeddedBroker;
  const fleet = new NodeFleet('baddel');
  const start = (name: string, file: Record<string, unknown> = {}) => fleet.start(name, file);
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    fleet.brokerUrl = broker.url;
  });
  afterAll(async () => {
    await fleet.close();
    await broker?.close();
  });

  it('the requester proves a bad delivery, a third node verifies it and slashes the worker; a forgery is refused', async () => {
    // rita's rater would give anything 1000: an artefact that fails the check must never reach it
    const always = { kind: 'exec', command: process.execPath, args: ['-e', 'process.stdout.write("1000")'] };
    const rita = await start('rita', { tasks: { retryMs: 300, rate: 'always' }, adapters: { always } });
    const wes = await start('wes', {
      declarations: [
        { kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL', price: 1000, ttlMs: 3_600_000 },
      ],
      tasks: { worker: 'manual', retryMs: 300 },
    });
    const tom = await start('tom', { follow: [TOPIC] }); // takes no part in the task
    await api(rita, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
    await until(() => rita.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 1);
    const posted = await api(rita, '/tasks', {
      topic: TOPIC,
      tags: ['data.analysis'],
      text: 'count rows of table t; answer {"rows": n, "sql": "..."}',
      budget: 5000,
      bidWindowMs: 1500,
      deliverWindowMs: 30_000,
      settleWindowMs: 30_000,
      accept: ACCEPT,
    });
    const id = posted.json.id as string;
    expect(posted.json.accept).toEqual(ACCEPT); // read back as posted
    await until(async () => (await api(wes, '/tasks')).json.tasks.some((x: { id: string }) => x.id === id));
    expect((await api(wes, `/tasks/${id}`)).json.accept).toEqual(ACCEPT); // the worker reads it from the terms
    expect((await api(wes, `/tasks/${id}/bid`, { price: 1500 })).json.state).toBe('bidding');
    await until(async () => (await api(wes, `/tasks/${id}`)).json.state === 'awarded');

    // wes's own runtime refuses an artefact that fails the check: nothing is signed or sent.
    const refused = await api(wes, `/tasks/${id}/deliver`, { artefact: '{"rows": "twelve", "sql": "select"}' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'BAD_REQUEST', field: 'artefact' });
    expect(refused.json.error.message).toMatch(/acceptance check \(member "rows" is string, not number\)/);
    expect((await api(wes, `/tasks/${id}`)).json.state).toBe('awarded');

    // A forgery on the fraud channel: an artefact that passes the check, "proven" bad with a delivery rita signed
    // herself as if she were wes: it names wes's task but its artefact passes, so it proves nothing.
    const eng = wes.tasks.engine as unknown as Engine;
    const rec = eng.tasks.get(id)!;
    const good = utf8('{"rows": 12, "sql": "select count(*) from t"}');
    const fakeDelivery: TaskMsg = {
      type: 'delivery',
      task: fromHex(id),
      signer: wes.core.agentKey,
      ts: Date.now(),
      hash: crypto.sha256(good),
      length: good.length,
    };
    const forged = encodeBadDeliveryProof({
      announce: fromHex(rec.entry),
      body: fromHex(rec.body),
      delivery: encodeTaskMsg(fakeDelivery, crypto.signer.sign(eng.o.agentSecret, taskMsgToBeSigned(fakeDelivery))),
      artefact: good,
    });
    const ritaRunner = rita.tasks as unknown as Internals;
    ritaRunner.call(() => ritaRunner.d.node.agent.publishRetained('fraud', badDeliveryKey(wes.core.agentHex), forged));
    await until(() => ((tom.status()['rejected'] as Record<string, number>)['bad_delivery_proof'] ?? 0) >= 1);
    tom.recomputeTrust();
    expect(tom.trust().status.fraudProofs).toBe(0);

    // The real thing: wes's engine delivers a failing artefact (a modified node skips the runtime's check).
    const wesRunner = wes.tasks as unknown as Internals;
    wesRunner.call((now) => eng.deliver(now, id, utf8('{"rows": "twelve", "sql": "select"}')));
    await until(
      async () =>
        (await api(rita, `/tasks/${id}`)).json.state !== 'awarded' &&
        (await api(rita, `/tasks/${id}`)).json.acceptance !== undefined,
    );
    const seen = (await api(rita, `/tasks/${id}`)).json;
    expect(seen.acceptance).toBe('failed: member "rows" is string, not number');
    expect(seen.outcome).toBe(0); // rated 0 at once, without asking the rater
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(rita, `/tasks/${id}`)).json.adapter).toBeUndefined(); // the rater never ran
    // tom verified the proof by rerunning the check and slashed wes in the task's topic.
    await until(() => tom.trust().status.fraudProofs === 1);
    tom.recomputeTrust();
    expect(tom.trust(TOPIC).entries!.find((x) => x.agent === wes.core.agentHex)).toMatchObject({
      slashed: true,
      trust: 0,
    });
    rita.recomputeTrust();
    expect(rita.trust().status.fraudProofs).toBe(1); // her own verifier took it before publishing
    // slash.bad_work: wes co-signs the 0 rating and both ledgers burn the whole deposit (the node's default
    // mechanism: a tenth of the budget, bad_work 100%), read back through each node's API.
    await until(async () => (await api(rita, `/tasks/${id}`)).json.state === 'settled');
    for (const n of [rita, wes]) {
      const entries = (await api(n, `/ledger?task=${id}`)).json.entries as { rule: string; amount: number }[];
      expect(entries.filter((p) => p.rule === 'burn').map((p) => p.amount)).toEqual([500]);
      expect(entries.filter((p) => p.rule === 'reward')).toEqual([]);
    }
  }, 90_000);
});
