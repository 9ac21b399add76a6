// Work adapters end to end (docs/adapters.md): real `agentnet run` processes on one broker, configured by file
// alone, driven through their HTTP API. A CSV task is done by an exec worker (examples/workers/csv-stats.mjs)
// and rated on its content by an exec rater (examples/raters/csv-stats-check.mjs); then each failure leads
// to the outcome the mechanism defines and is visible in the task's state and /metrics: a worker command
// that exits non-zero delivers nothing (the task defaults), an unreachable judge rates nothing (no receipt:
// `unsigned`), a worker killed mid-task defaults.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import {
  freeTcpPort,
  getJson,
  killAll,
  postJson,
  startProc,
  stopProc,
  until,
  type Proc,
} from '../multiprocess/procs.js';

const ROOT = join(import.meta.dirname, '../..');
const TOPIC = 'data_analysis';
const NODE = process.execPath;
const END = ['settled', 'expired', 'defaulted', 'unsigned', 'lost', 'unrated'];

type Task = {
  id: string;
  state: string;
  worker?: string;
  outcome?: number;
  adapter?: { adapter: string; kind: string; role: string; state: string; failure?: string; error?: string };
};

const capability = (tag: string, adapter: string) => ({
  kind: 'capability',
  topic: TOPIC,
  tags: [tag],
  text: `I do ${tag}`,
  price: 1000,
  adapter,
});

describe('adapters end to end: agentnet run processes configured by file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-e2e-adapters-'));
  const network = `e2e-adapters-${process.pid}-${Date.now().toString(36)}`;
  const pidfile = join(dir, 'slow.pid');
  let broker: EmbeddedBroker | undefined;
  let req: Proc;
  let stats: Proc;
  let broken: Proc;
  let slow: Proc;

  const metric = async (p: Proc, line: RegExp) =>
    (await fetch(`${p.api}/metrics`).then((r) => r.text())).split('\n').find((l) => line.test(l));
  const post = (tag: string, text: string, extra: Record<string, unknown> = {}) =>
    postJson<Task>(req, '/tasks', {
      topic: TOPIC,
      tags: [tag],
      text,
      budget: 5000,
      bidWindowMs: 1500,
      deliverWindowMs: 20_000,
      settleWindowMs: 20_000,
      ...extra,
    });
  const ended = async (p: Proc, id: string): Promise<Task> => {
    let t: Task = { id, state: '' };
    await until(
      `task ${id.slice(0, 8)} on ${p.name}`,
      async () => {
        t = await getJson<Task>(p, `/tasks/${id}`);
        return END.includes(t.state) || `state ${t.state}`;
      },
      90_000,
    );
    return t;
  };

  beforeAll(async () => {
    const url = process.env['MQTT_URL'] ?? (broker = await startEmbeddedBroker()).url;
    const deadPort = await freeTcpPort(); // nothing listens there: the judge is unreachable
    const base = (name: string, extra: Record<string, unknown>) => ({
      name,
      dir,
      config: { dataDir: join(dir, name), network, broker: url, follow: [TOPIC], tasks: { retryMs: 300 }, ...extra },
    });
    [req, stats, broken, slow] = await Promise.all([
      startProc(
        base('req', {
          declarations: [{ kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need statistics' }],
          adapters: {
            check: { kind: 'exec', command: NODE, args: [join(ROOT, 'examples/raters/csv-stats-check.mjs')] },
            judge: { kind: 'openai', baseUrl: `http://127.0.0.1:${deadPort}/v1`, model: 'm', rubric: 'right' },
          },
          tasks: { retryMs: 300, rate: 'check' },
        }),
      ),
      startProc(
        base('stats', {
          declarations: [capability('data.analysis.csv', 'stats')],
          adapters: { stats: { kind: 'exec', command: NODE, args: [join(ROOT, 'examples/workers/csv-stats.mjs')] } },
        }),
      ),
      startProc(
        base('broken', {
          declarations: [capability('data.analysis.broken', 'fails')],
          adapters: { fails: { kind: 'exec', command: 'sh', args: ['-c', 'echo cannot parse >&2; exit 7'] } },
        }),
      ),
      startProc(
        base('slow', {
          declarations: [capability('data.analysis.slow', 'slow')],
          adapters: {
            slow: {
              kind: 'exec',
              command: NODE,
              args: [join(ROOT, 'examples/workers/slow.mjs')],
              env: { SLOW_PIDFILE: pidfile, SLOW_MS: '600000' },
            },
          },
        }),
      ),
    ]);
    await until(
      'the requester discovers the three workers',
      async () => {
        const c = (await getJson<{ candidates: unknown[] }>(req, `/discover?tags=data.analysis&topic=${TOPIC}`))
          .candidates;
        return c.length === 3 || `${c.length} candidates`;
      },
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    try {
      process.kill(Number(readFileSync(pidfile, 'utf8')), 'SIGKILL'); // the slow command outlived its killed node
    } catch {
      // not started, or gone
    }
    await killAll();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an exec worker computes the statistics, an exec rater checks them: settled at 1000', async () => {
    const t = await post('data.analysis.csv', 'monthly sales\nmonth,units,price\n1,10,2.5\n2,14,2.5\n3,9,3');
    const r = await ended(req, t.id);
    expect(r).toMatchObject({
      state: 'settled',
      outcome: 1000,
      adapter: { adapter: 'check', kind: 'exec', role: 'rate', state: 'done' },
    });
    const art = JSON.parse(await fetch(`${req.api}/tasks/${t.id}/artefact`).then((x) => x.text()));
    expect(art).toEqual({
      task: t.id,
      rows: 3,
      columns: {
        month: { count: 3, sum: 6, mean: 2, min: 1, max: 3, sd: 1 },
        units: { count: 3, sum: 33, mean: 11, min: 9, max: 14, sd: 2.645751 },
        price: { count: 3, sum: 8, mean: 2.666667, min: 2.5, max: 3, sd: 0.288675 },
      },
    });
    const w = await ended(stats, t.id);
    expect(w).toMatchObject({ state: 'settled', adapter: { adapter: 'stats', role: 'work', state: 'done' } });
    expect(await metric(stats, /^agentnet_adapter_runs_total\{adapter="stats",kind="exec",result="ok"\}/)).toMatch(
      / 1$/,
    );
    expect(await metric(stats, /^agentnet_adapter_duration_seconds_count\{adapter="stats"\}/)).toMatch(/ 1$/);
    expect(await metric(req, /^agentnet_tasks\{role="requester",state="settled"\}/)).toMatch(/ 1$/);
    expect(await metric(req, /^agentnet_ledger_balance /)).toBeDefined();
  }, 120_000);

  it('a worker command that exits non-zero delivers nothing: the task defaults, the failure is on the task and counted', async () => {
    const t = await post('data.analysis.broken', 'x,y\n1,2', { deliverWindowMs: 3000 });
    expect(await ended(req, t.id)).toMatchObject({ state: 'defaulted' });
    const w = await ended(broken, t.id);
    expect(w).toMatchObject({
      state: 'defaulted',
      adapter: { adapter: 'fails', role: 'work', state: 'failed', failure: 'exit' },
    });
    expect(w.adapter!.error).toBe('exit: command "sh" exited with status 7: cannot parse');
    expect(await metric(broken, /^agentnet_adapter_runs_total\{adapter="fails",kind="exec",result="exit"\}/)).toMatch(
      / 1$/,
    );
  }, 120_000);

  it('an unreachable judge rates nothing: no receipt, the task ends unsigned', async () => {
    const t = await post('data.analysis.csv', 'a,b\n1,2\n3,4', {
      rater: 'judge',
      deliverWindowMs: 8000,
      settleWindowMs: 3000,
    });
    const r = await ended(req, t.id);
    expect(r).toMatchObject({
      state: 'unsigned',
      adapter: { adapter: 'judge', kind: 'openai', role: 'rate', state: 'failed', failure: 'unreachable' },
    });
    expect(r.adapter!.error).toMatch(
      /^unreachable: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: ECONNREFUSED/,
    );
    expect((await ended(stats, t.id)).state).toBe('unrated');
    expect(
      await metric(req, /^agentnet_adapter_runs_total\{adapter="judge",kind="openai",result="unreachable"\}/),
    ).toMatch(/ 1$/);
  }, 120_000);

  it('a worker killed mid-task: the task defaults at its delivery deadline', async () => {
    const t = await post('data.analysis.slow', 'take your time', { deliverWindowMs: 4000 });
    await until(
      'the slow worker runs the task',
      async () => {
        const w = await getJson<Task>(slow, `/tasks/${t.id}`).catch(() => undefined);
        return w?.adapter?.state === 'running' || `worker: ${w?.state} ${w?.adapter?.state}`;
      },
      60_000,
    );
    await stopProc(slow, 'SIGKILL');
    expect(await ended(req, t.id)).toMatchObject({ state: 'defaulted' });
  }, 120_000);

  it('discovery by free text ranks the workers; a topic not followed says so', async () => {
    const c = (
      await getJson<{ candidates: Array<{ author: string; tags: string[] }> }>(
        req,
        `/discover?text=${encodeURIComponent('statistics of a CSV file')}&topic=${TOPIC}`,
      )
    ).candidates;
    expect(c[0]).toMatchObject({ author: stats.agent, tags: ['data.analysis.csv'] });
    const byTag = (
      await getJson<{ candidates: Array<{ author: string }> }>(req, `/discover?text=broken`)
    ).candidates.map((x) => x.author);
    expect(byTag).toEqual([broken.agent]);
    const r = await fetch(`${req.api}/discover?tags=writing&topic=creative_writing`);
    expect(r.status).toBe(404);
    expect((await r.json()).error).toMatchObject({
      code: 'NOT_FOUND',
      field: 'topic',
      message: expect.stringContaining('this node does not follow topic creative_writing'),
    });
    const none = await fetch(`${req.api}/discover?text=${encodeURIComponent('  ,. ')}`);
    expect(none.status).toBe(400);
  });

  it('a rater or adapter the config does not have is refused by name', async () => {
    const r = await fetch(`${req.api}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: TOPIC, tags: ['data.analysis.csv'], text: 'x', budget: 10, rater: 'nope' }),
    });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ code: 'BAD_REQUEST', field: 'rater' });
    const a = await fetch(`${stats.api}/announce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...capability('data.analysis.tsv', 'nope') }),
    });
    expect(a.status).toBe(400);
    expect((await a.json()).error).toMatchObject({ field: 'adapter' });
  });
});
