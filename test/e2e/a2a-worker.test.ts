// An existing A2A agent serving tasks on the network by config alone (docs/adapters.md "A2A agents as workers"):
// two real `agentnet run` processes on one broker, configured by file. The worker's capability is bound to an
// `a2a` adapter naming an A2A agent built with the official SDK's server side (test/a2a-agent.ts: uppercases
// the text); the requester posts a task through its HTTP API and rates the artefact with an exec rater that
// checks it is the uppercase of the task's text. The task settles at 1000 on both sides. Then the agent's card
// is replaced by one with a bad signature: the worker's run fails (`malformed`, nothing sent to the agent) and
// the task defaults.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCard } from '../../src/runtime/a2a/card.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { startUpperAgent, type UpperAgent } from '../a2a-agent.js';
import { identity } from '../helpers.js';
import { getJson, killAll, postJson, startProc, until, type Proc } from '../multiprocess/procs.js';

const TOPIC = 'text_upper';
const TAG = 'text.upper';
const END = ['settled', 'expired', 'defaulted', 'unsigned', 'lost', 'unrated'];
/** The rater: 1000 when the artefact is the uppercase of the task's text, else 0. */
const CHECK = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);process.stdout.write(j.artefact===j.task.text.toUpperCase()?'1000':'0')})`;

type Task = {
  id: string;
  state: string;
  outcome?: number;
  adapter?: { adapter: string; kind: string; role: string; state: string; failure?: string; error?: string };
};

describe('a2a worker adapter end to end: agentnet run processes and an SDK-built A2A agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-e2e-a2a-worker-'));
  const network = `e2e-a2aw-${process.pid}-${Date.now().toString(36)}`;
  let broker: EmbeddedBroker | undefined;
  let agent: UpperAgent;
  let req: Proc;
  let worker: Proc;

  const post = (text: string) =>
    postJson<Task>(req, '/tasks', {
      topic: TOPIC,
      tags: [TAG],
      text,
      budget: 5000,
      bidWindowMs: 1500,
      deliverWindowMs: 8000,
      settleWindowMs: 20_000,
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
    agent = await startUpperAgent();
    const url = process.env['MQTT_URL'] ?? (broker = await startEmbeddedBroker()).url;
    const base = (name: string, extra: Record<string, unknown>) => ({
      name,
      dir,
      config: { dataDir: join(dir, name), network, broker: url, follow: [TOPIC], tasks: { retryMs: 300 }, ...extra },
    });
    [req, worker] = await Promise.all([
      startProc(
        base('req', {
          declarations: [{ kind: 'intent', topic: TOPIC, tags: ['text'], text: 'need uppercase text' }],
          adapters: { check: { kind: 'exec', command: process.execPath, args: ['-e', CHECK] } },
          tasks: { retryMs: 300, rate: 'check' },
        }),
      ),
      startProc(
        base('worker', {
          declarations: [
            { kind: 'capability', topic: TOPIC, tags: [TAG], text: 'uppercase (A2A)', price: 300, adapter: 'upper' },
          ],
          adapters: { upper: { kind: 'a2a', url: agent.url, skill: 'upper', timeoutMs: 20_000 } },
        }),
      ),
    ]);
    await until(
      'the requester discovers the worker',
      async () => {
        const c = (await getJson<{ candidates: unknown[] }>(req, `/discover?tags=${TAG}&topic=${TOPIC}`)).candidates;
        return c.length === 1 || `${c.length} candidates`;
      },
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await killAll();
    await broker?.close();
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the A2A agent does the work: the artefact is its artifact and the task settles at 1000', async () => {
    const t = await post('hello from agentnet');
    const r = await ended(req, t.id);
    expect(r).toMatchObject({ state: 'settled', outcome: 1000 });
    expect(await fetch(`${req.api}/tasks/${t.id}/artefact`).then((x) => x.text())).toBe('HELLO FROM AGENTNET');
    const w = await ended(worker, t.id);
    expect(w).toMatchObject({
      state: 'settled',
      adapter: { adapter: 'upper', kind: 'a2a', role: 'work', state: 'done' },
    });
    expect(agent.sends).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('a card with a bad signature is refused: nothing reaches the agent, the task defaults', async () => {
    const who = identity('a2a-e2e-agent', { notBefore: Date.now() - 86_400_000, notAfter: Date.now() + 86_400_000 });
    agent.served = { ...(await signCard(agent.plain, who.agentSecret, who.agentKey)), description: 'tampered' };
    const n = agent.sends;
    const t = await post('refused');
    const w = await ended(worker, t.id);
    expect(w).toMatchObject({
      state: 'defaulted',
      adapter: { adapter: 'upper', kind: 'a2a', role: 'work', state: 'failed', failure: 'malformed' },
    });
    expect(w.adapter!.error).toMatch(/card refused: bad signature/);
    expect(agent.sends).toBe(n);
    expect((await ended(req, t.id)).state).toBe('defaulted');
  }, 120_000);
});
