// Adapter runs across a crash (docs/adapters.md "Decisions"): real `agentnet run` processes killed with SIGKILL
// and started again on the same data directory. A worker killed with one task running on its exec adapter and
// one queued behind it runs both again after its restart and both settle; a worker that stays down past the
// delivery deadline ends the task `defaulted`, saying so on the task; a requester killed while its per-task
// rater ran rates after its restart with that rater (not `tasks.rate`) and the task settles. Each case is
// visible in the task's state, its `adapter` field and /metrics, and no stored task is lost.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { getJson, killAll, postJson, startProc, stopProc, until, type Proc } from '../multiprocess/procs.js';

const ROOT = join(import.meta.dirname, '../..');
const TOPIC = 'data_analysis';
const END = ['settled', 'expired', 'defaulted', 'unsigned', 'lost', 'unrated'];

type Task = {
  id: string;
  state: string;
  outcome?: number;
  adapter?: { adapter: string; role: string; state: string; failure?: string; error?: string; resumed?: boolean };
};

describe('adapter runs across a SIGKILL and restart of agentnet run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-e2e-restart-'));
  const network = `e2e-restart-${process.pid}-${Date.now().toString(36)}`;
  let broker: EmbeddedBroker | undefined;
  let url: string;
  let req: Proc;
  let worker: Proc;

  // The worker's exec adapter takes 4 s a task, one at a time; the requester's `slowcheck` rater takes 4 s.
  const spec = (name: string) =>
    name === 'worker'
      ? {
          name,
          dir,
          config: {
            dataDir: join(dir, name),
            network,
            broker: url,
            follow: [TOPIC],
            tasks: { retryMs: 300 },
            declarations: [
              {
                kind: 'capability',
                topic: TOPIC,
                tags: ['data.analysis.slow'],
                text: 'slow',
                price: 1000,
                adapter: 'slow',
              },
            ],
            adapters: {
              slow: {
                kind: 'exec',
                command: process.execPath,
                args: [join(ROOT, 'examples/workers/slow.mjs')],
                env: { SLOW_MS: '4000' },
                concurrency: 1,
                queue: 4,
              },
            },
          },
        }
      : {
          name,
          dir,
          config: {
            dataDir: join(dir, name),
            network,
            broker: url,
            follow: [TOPIC],
            tasks: { retryMs: 300, rate: 'auto' },
            declarations: [{ kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need work' }],
            adapters: { slowcheck: { kind: 'exec', command: 'sh', args: ['-c', 'sleep 4; echo 900'] } },
          },
        };
  const post = (text: string, extra: Record<string, unknown> = {}) =>
    postJson<Task>(req, '/tasks', {
      topic: TOPIC,
      tags: ['data.analysis.slow'],
      text,
      budget: 5000,
      bidWindowMs: 1500,
      deliverWindowMs: 45_000,
      settleWindowMs: 45_000,
      ...extra,
    });
  const task = (p: Proc, id: string) => getJson<Task>(p, `/tasks/${id}`);
  const ended = async (p: Proc, id: string): Promise<Task> => {
    let t: Task = { id, state: '' };
    await until(
      `task ${id.slice(0, 8)} ends on ${p.name}`,
      async () => {
        t = await task(p, id);
        return END.includes(t.state) || `state ${t.state}`;
      },
      90_000,
    );
    return t;
  };
  const metric = async (p: Proc, line: RegExp) =>
    (await fetch(`${p.api}/metrics`).then((r) => r.text())).split('\n').find((l) => line.test(l));
  const restart = async (p: Proc) => {
    await stopProc(p, 'SIGKILL');
    return startProc(spec(p.name));
  };

  beforeAll(async () => {
    url = process.env['MQTT_URL'] ?? (broker = await startEmbeddedBroker()).url;
    [req, worker] = await Promise.all([startProc(spec('req')), startProc(spec('worker'))]);
    await until(
      'the requester discovers the worker',
      async () =>
        (await getJson<{ candidates: unknown[] }>(req, `/discover?tags=data.analysis&topic=${TOPIC}`)).candidates
          .length === 1 || 'no candidate',
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await killAll();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker killed with a run in progress and one queued runs both again after its restart: both settle', async () => {
    const a = await post('first');
    const b = await post('second');
    await until(
      'the worker runs one task and queues the other',
      async () => {
        const [x, y] = await Promise.all([
          task(worker, a.id).catch(() => undefined),
          task(worker, b.id).catch(() => undefined),
        ]);
        return (
          (x?.state === 'awarded' && y?.state === 'awarded' && x.adapter?.state === 'running') ||
          `${x?.state} ${y?.state}`
        );
      },
      60_000,
    );
    worker = await restart(worker);
    for (const t of [a, b]) {
      const w = await task(worker, t.id);
      expect(w.state).toBe('awarded'); // the stored task survived the SIGKILL
      expect(w.adapter).toMatchObject({ adapter: 'slow', role: 'work', resumed: true });
    }
    for (const t of [a, b]) expect(await ended(req, t.id)).toMatchObject({ state: 'settled', outcome: 200 });
    const text = await fetch(`${req.api}/tasks/${a.id}/artefact`).then((r) => r.text());
    expect(text).toBe('slow: first\n');
    expect(await ended(worker, a.id)).toMatchObject({ state: 'settled', adapter: { state: 'done', resumed: true } });
    expect(
      await metric(worker, /^agentnet_adapter_resumed_total\{adapter="slow",role="work",result="rerun"\}/),
    ).toMatch(/ 2$/);
  }, 180_000);

  it('a worker down past the delivery deadline ends the task defaulted, saying why on the task', async () => {
    const t = await post('too late', { deliverWindowMs: 6000 });
    await until(
      'the worker runs the task',
      async () => (await task(worker, t.id).catch(() => undefined))?.adapter?.state === 'running' || 'not yet',
      60_000,
    );
    await stopProc(worker, 'SIGKILL');
    expect(await ended(req, t.id)).toMatchObject({ state: 'defaulted' });
    worker = await startProc(spec('worker'));
    const w = await ended(worker, t.id);
    expect(w).toMatchObject({
      state: 'defaulted',
      adapter: { adapter: 'slow', role: 'work', state: 'failed', failure: 'late', resumed: true },
    });
    expect(w.adapter!.error).toMatch(/restarted after the task's delivery deadline/);
    expect(
      await metric(worker, /^agentnet_adapter_resumed_total\{adapter="slow",role="work",result="expired"\}/),
    ).toMatch(/ 1$/);
  }, 180_000);

  it("a requester killed while its task's rater runs rates after its restart with that rater: settled at 900", async () => {
    await until(
      "the requester sees the restarted worker's new birth",
      async () =>
        (await getJson<{ candidates: unknown[] }>(req, `/discover?tags=data.analysis&topic=${TOPIC}`)).candidates
          .length === 1 || 'no candidate',
      60_000,
    );
    const t = await post('rate me', { rater: 'slowcheck' });
    await until(
      'the requester rates',
      async () => {
        const r = await task(req, t.id);
        return (r.state === 'delivered' && r.adapter?.state === 'running') || `${r.state} ${r.adapter?.state}`;
      },
      60_000,
    );
    req = await restart(req);
    const r0 = await task(req, t.id);
    expect(r0.state).toBe('delivered'); // the stored task and its artefact survived
    expect(r0.adapter).toMatchObject({ adapter: 'slowcheck', role: 'rate', resumed: true }); // not tasks.rate (auto)
    expect(await ended(req, t.id)).toMatchObject({ state: 'settled', outcome: 900 });
    expect((await ended(worker, t.id)).state).toBe('settled');
    expect(
      await metric(req, /^agentnet_adapter_resumed_total\{adapter="slowcheck",role="rate",result="rerun"\}/),
    ).toMatch(/ 1$/);
  }, 180_000);
});
