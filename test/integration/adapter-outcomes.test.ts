// Each failure of a work or rater adapter leads to the outcome the mechanism defines, visible on the task and in
// /metrics (docs/adapters.md "Failures are outcomes"): two nodes on an embedded broker, configured by file. The
// worker's capabilities each name an adapter that fails one way against a real counterpart: a command that
// outlives its timeout, a command writing more than maxOutputBytes, an OpenAI-compatible server answering
// without choices (test/openai-compat.ts: no LLM is reachable from these machines), a webhook on a port nothing
// listens on. Each task is `defaulted` on both sides (no delivery: the deposit share burns). A rater answering
// no score leaves the task `unsigned` (requester) and `unrated` (worker).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import type { AgentNode } from '../../src/runtime/node.js';
import { freeTcpPort } from '../multiprocess/procs.js';
import { startOpenAiServer, type OpenAiServer } from '../openai-compat.js';
import { api, NodeFleet, until } from './node-kit.js';

const TOPIC = 'services';
const END = ['settled', 'expired', 'defaulted', 'unsigned', 'lost', 'unrated'];

describe('adapter failures are protocol outcomes, on the task and in /metrics', () => {
  const fleet = new NodeFleet('outcomes');
  let broker: EmbeddedBroker;
  let llm: OpenAiServer;
  let req: AgentNode;
  let worker: AgentNode;

  const start = (name: string, file: Record<string, unknown>) => fleet.start(name, file);
  const ended = async (n: AgentNode, id: string) => {
    let t: any;
    await until(async () => {
      const r = await api(n, `/tasks/${id}`);
      t = r.json;
      return r.status === 200 && END.includes(t.state);
    }, 60_000);
    return t;
  };
  const metric = async (n: AgentNode, line: RegExp) =>
    (await fetch(`http://127.0.0.1:${n.apiPort}/metrics`).then((r) => r.text())).split('\n').find((l) => line.test(l));
  const post = async (tag: string, extra: Record<string, unknown> = {}) => {
    const r = await api(req, '/tasks', {
      topic: TOPIC,
      tags: [tag],
      text: `work for ${tag}`,
      budget: 5000,
      bidWindowMs: 1000,
      deliverWindowMs: 4000,
      settleWindowMs: 3000,
      ...extra,
    });
    expect(r.status).toBe(200);
    return r.json.id as string;
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    fleet.brokerUrl = broker.url;
    llm = await startOpenAiServer();
    const dead = await freeTcpPort();
    const cap = (name: string) => ({
      kind: 'capability',
      topic: TOPIC,
      tags: [`svc.${name}`],
      text: name,
      adapter: name,
    });
    worker = await start('worker', {
      follow: [TOPIC],
      tasks: { retryMs: 300, bidWindowMs: 90_000, deliverWindowMs: 120_000 },
      declarations: ['sleepy', 'big', 'llmbad', 'down', 'fine', 'one'].map(cap),
      adapters: {
        sleepy: { kind: 'exec', command: 'sh', args: ['-c', 'sleep 30'], timeoutMs: 800 },
        big: { kind: 'exec', command: 'sh', args: ['-c', 'head -c 5000 /dev/zero | tr "\\0" x'], maxOutputBytes: 100 },
        llmbad: { kind: 'openai', baseUrl: llm.baseUrl, model: 'malformed' },
        down: { kind: 'http', url: `http://127.0.0.1:${dead}/run`, timeoutMs: 2000 },
        fine: { kind: 'exec', command: 'sh', args: ['-c', 'echo done'] },
        one: { kind: 'exec', command: 'sh', args: ['-c', 'sleep 4; echo done'], concurrency: 1, queue: 0 },
      },
    });
    req = await start('req', {
      tasks: { retryMs: 300 },
      declarations: [{ kind: 'intent', topic: TOPIC, tags: ['svc'], text: 'any service' }],
      adapters: { noscore: { kind: 'exec', command: 'sh', args: ['-c', 'echo looks fine to me'] } },
    });
    await until(async () => (await api(req, `/discover?topic=${TOPIC}&tags=svc`)).json.candidates.length === 6, 60_000);
  }, 90_000);

  afterAll(async () => {
    await fleet.close();
    await llm.close();
    await broker.close();
  });

  it.each([
    ['sleepy', 'exec', 'timeout', /800 ms/],
    ['big', 'exec', 'oversize', /more than 100 bytes/],
    ['llmbad', 'openai', 'malformed', /choices|content/],
    ['down', 'http', 'unreachable', /ECONNREFUSED/],
  ])(
    'a %s (%s) worker fails with %s: nothing delivered, the task defaults on both sides',
    async (name, kind, failure, error) => {
      const id = await post(`svc.${name}`);
      expect((await ended(req, id)).state).toBe('defaulted');
      const w = await ended(worker, id);
      expect(w).toMatchObject({
        state: 'defaulted',
        adapter: { adapter: name, kind, role: 'work', state: 'failed', failure },
      });
      expect(w.adapter.error).toMatch(error);
      expect(
        await metric(
          worker,
          new RegExp(`^agentnet_adapter_runs_total\\{adapter="${name}",kind="${kind}",result="${failure}"\\} 1$`),
        ),
      ).toBeDefined();
      expect(await metric(worker, /^agentnet_tasks\{role="worker",state="defaulted"\} [1-9]/)).toBeDefined();
    },
    60_000,
  );

  it('a rater answering no score rates nothing: unsigned for the requester, unrated for the worker', async () => {
    const id = await post('svc.fine', { rater: 'noscore' });
    const r = await ended(req, id);
    expect(r).toMatchObject({
      state: 'unsigned',
      adapter: { adapter: 'noscore', role: 'rate', state: 'failed', failure: 'malformed' },
    });
    expect((await ended(worker, id)).state).toBe('unrated');
    expect(
      await metric(req, /^agentnet_adapter_runs_total\{adapter="noscore",kind="exec",result="malformed"\} 1$/),
    ).toBeDefined();
    expect(await metric(req, /^agentnet_tasks\{role="requester",state="unsigned"\} 1$/)).toBeDefined();
  }, 60_000);

  it('task windows default to minutes, the config sets them for the node and a request for one task', async () => {
    const at = Date.now();
    const spec = { topic: 'elsewhere', tags: ['x.y'], text: 'windows', budget: 10 };
    const d = (await api(req, '/tasks', spec)).json; // no windows anywhere: built-in 1 min, 10 min, 10 min
    expect(d.bidDeadline - at).toBeGreaterThanOrEqual(59_000);
    expect(d.bidDeadline - at).toBeLessThanOrEqual(61_000);
    expect([d.deliverBy - d.bidDeadline, d.settleBy - d.deliverBy]).toEqual([600_000, 600_000]);
    const c = (await api(worker, '/tasks', spec)).json; // the worker's config: 90 s, 2 min, settle built in
    expect([c.deliverBy - c.bidDeadline, c.settleBy - c.deliverBy]).toEqual([120_000, 600_000]);
    expect(c.bidDeadline - at).toBeGreaterThanOrEqual(89_000);
    const r = (await api(worker, '/tasks', { ...spec, deliverWindowMs: 5000 })).json; // the request wins
    expect(r.deliverBy - r.bidDeadline).toBe(5000);
  });

  it('a worker bids only while its adapter has room: a second task meets a full adapter, gets no bid and expires', async () => {
    const first = await post('svc.one', { deliverWindowMs: 20_000, settleWindowMs: 20_000 });
    await until(async () => (await api(worker, `/tasks/${first}`)).json?.adapter?.state === 'running', 30_000);
    const second = await post('svc.one');
    expect(await ended(req, second)).toMatchObject({ state: 'expired', bids: [] });
    expect((await api(worker, `/tasks/${second}`)).json).toMatchObject({
      state: 'lost',
      note: 'did not bid',
      bids: [],
    });
    expect(await ended(req, first)).toMatchObject({ state: 'settled' });
  }, 60_000);
});
