// A2A end to end (docs/a2a.md) with the official SDK (@a2a-js/sdk) against three real `agentnet run` processes on
// one broker: the client fetches the gateway node's card and verifies its signature (the SDK's verifier) and the
// BAID extension; a message becomes an agentnet task that the two other nodes bid on, and the artefact comes back
// as an A2A artifact (blocking and streamed); a task is subscribed to and canceled; ListTasks; the directory's
// cards verify; the CLI prints and verifies cards and refuses tampered ones; bad input gets JSON-RPC errors and
// posts no task.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AgentCard,
  SendMessageRequest,
  TaskState,
  verifyAgentCardSignature,
  type StreamResponse,
  type Task,
} from '@a2a-js/sdk';
import { ClientFactory, type Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { BAID_EXTENSION_URI } from '../../src/runtime/a2a/card.js';
import { verifyCard } from '../../src/runtime/a2a/verify.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { makeCryptoPort, nobleStrictVerifier } from '../../src/runtime/crypto-port.js';
import { BUNDLE, getJson, killAll, startProc, until, type Proc } from '../multiprocess/procs.js';

const TOPIC = 'text_summary';
const TAG = 'text.summary';
const SKILL = `${TOPIC}/${TAG}`;
const crypto = makeCryptoPort(nobleStrictVerifier);

const cap = (i: string) => ({ kind: 'capability', topic: TOPIC, tags: [TAG], text: `summaries by ${i}`, price: 500 });
const need = { kind: 'intent', topic: TOPIC, tags: ['text'], text: 'needs text work' };

/** A SendMessage request as the SDK takes it, from A2A JSON. */
function request(text: string, terms: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${Math.random().toString(36).slice(2)}`,
      role: 'ROLE_USER',
      parts: [{ text }],
      metadata: { [BAID_EXTENSION_URI]: { skill: SKILL, bidWindowMs: 3000, ...terms } },
    },
    ...extra,
  });
}

/** A raw JSON-RPC call: HTTP status and body. */
async function rpc(p: Proc, body: string, headers: Record<string, string> = { 'a2a-version': '1.0' }) {
  const r = await fetch(`${p.api}/a2a`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: r.status,
    json: (await r.json()) as { error?: { code: number; message: string }; result?: unknown },
  };
}

const jwkOf = (kid: string) => ({
  kty: 'OKP',
  crv: 'Ed25519',
  x: Buffer.from(kid.split(':').pop()!, 'hex').toString('base64url'),
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BUNDLE, 'a2a', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('A2A: SDK client against agentnet run processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-e2e-a2a-'));
  const network = `e2e-a2a-${process.pid}-${Date.now().toString(36)}`;
  let broker: EmbeddedBroker | undefined;
  let gate: Proc;
  let workers: Proc[];
  let client: Client;

  const tasks = async () => (await getJson<{ tasks: Array<{ id: string }> }>(gate, '/tasks')).tasks.length;

  beforeAll(async () => {
    let url: string;
    if (process.env['MQTT_URL']) url = process.env['MQTT_URL'];
    else {
      broker = await startEmbeddedBroker();
      url = broker.url;
    }
    const cfg = (name: string) => ({
      name,
      dir,
      config: {
        dataDir: join(dir, name),
        network,
        broker: url,
        tasks: { retryMs: 300 },
        declarations: [cap(name), need],
      },
    });
    const procs = await Promise.all(['gate', 'w1', 'w2'].map((n) => startProc(cfg(n))));
    gate = procs[0]!;
    workers = procs.slice(1);
    await until(
      'the gateway node discovers both workers',
      async () => {
        const { candidates } = await getJson<{ candidates: Array<{ author: string }> }>(
          gate,
          `/discover?tags=${TAG}&topic=${TOPIC}`,
        );
        const have = new Set(candidates.map((c) => c.author));
        return workers.every((w) => have.has(w.agent)) || `have ${have.size}`;
      },
      60_000,
    );
    client = await new ClientFactory().createFromUrl(gate.api);
  }, 120_000);

  afterAll(async () => {
    await killAll();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a signed card: the SDK verifies its JWS, the BAID extension binds its key, cache headers are set', async () => {
    const card = await client.getAgentCard(
      undefined,
      verifyAgentCardSignature(async (kid) => jwkOf(kid)),
    );
    expect(card.supportedInterfaces[0]).toMatchObject({
      url: `${gate.api}/a2a`,
      protocolBinding: 'JSONRPC',
      protocolVersion: '1.0',
    });
    expect(card.skills.map((s) => [s.id, s.tags])).toEqual([[SKILL, [TAG]]]);
    expect(card.capabilities?.streaming).toBe(true);
    const ext = card.capabilities!.extensions.find((e) => e.uri === BAID_EXTENSION_URI)!;
    expect(ext.params!['agent']).toBe(gate.agent);
    // Loopback without a token: the API is open, so the card declares no security requirement.
    expect(card.securityRequirements ?? []).toEqual([]);
    expect(card.securitySchemes ?? {}).toEqual({});
    const check = await verifyCard(AgentCard.toJSON(card), crypto, Date.now(), DEFAULT_LIMITS);
    expect(check).toMatchObject({ ok: true, agent: gate.agent, signer: gate.agent, skills: [SKILL] });

    const r = await fetch(`${gate.api}/.well-known/agent-card.json`);
    expect(r.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = r.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const again = await fetch(`${gate.api}/.well-known/agent-card.json`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('a message becomes a task on the network; the artefact comes back as an artifact (SendMessage, blocking)', async () => {
    const r = (await client.sendMessage(request('summarize: the quick brown fox'))) as Task;
    expect(r.status!.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const part = r.artifacts[0]!.parts[0]!;
    expect(part.mediaType).toBe('application/json');
    const art = JSON.parse(part.content!.$case === 'text' ? part.content!.value : '{}') as Record<string, string>;
    expect(art['task']).toBe(r.id);
    expect(workers.map((w) => w.agent)).toContain(art['worker']);
    // The same task, as the node's API shows it: settled under the market's rules, with a receipt.
    const v = await getJson<{ state: string; worker: string; receipt?: string }>(gate, `/tasks/${r.id}`);
    expect(v.state).toBe('settled');
    expect(v.worker).toBe(art['worker']);
    expect(v.receipt).toBeTruthy();
    expect((await client.getTask({ tenant: '', id: r.id, historyLength: undefined })).status!.state).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
  }, 90_000);

  it('streams the states: task first, then WORKING, the artifact, COMPLETED', async () => {
    const events: StreamResponse[] = [];
    for await (const e of client.sendMessageStream(request('summarize: streamed'))) events.push(e);
    const kinds = events.map((e) => e.payload!.$case);
    expect(kinds[0]).toBe('task');
    const first = events[0]!.payload!.value as Task;
    expect(first.status!.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    const states = events.flatMap((e) => (e.payload!.$case === 'statusUpdate' ? [e.payload!.value.status!.state] : []));
    expect(states).toContain(TaskState.TASK_STATE_WORKING);
    expect(states[states.length - 1]).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(kinds).toContain('artifactUpdate');
  }, 90_000);

  it('SubscribeToTask follows a task; CancelTask cancels it while it collects bids and refunds the budget', async () => {
    const before = (await getJson<{ balance: number }>(gate, '/ledger')).balance;
    const t = (await client.sendMessage(
      request('summarize: to cancel', { bidWindowMs: 60_000 }, { configuration: { returnImmediately: true } }),
    )) as Task;
    expect(t.status!.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    const seen: TaskState[] = [];
    const sub = (async () => {
      for await (const e of client.resubscribeTask({ tenant: '', id: t.id }))
        seen.push(
          e.payload!.$case === 'task'
            ? e.payload!.value.status!.state
            : e.payload!.$case === 'statusUpdate'
              ? e.payload!.value.status!.state
              : -1,
        );
    })();
    await until('subscribed', async () => seen.length > 0 || 'no event yet', 10_000, 50);
    const c = await client.cancelTask({ tenant: '', id: t.id, metadata: undefined });
    expect(c.status!.state).toBe(TaskState.TASK_STATE_CANCELED);
    await sub;
    expect(seen).toEqual([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_CANCELED]);
    expect((await getJson<{ balance: number }>(gate, '/ledger')).balance).toBe(before);
    await expect(client.cancelTask({ tenant: '', id: t.id, metadata: undefined })).rejects.toThrow(
      /only a task still collecting bids/,
    );
    const list = await client.listTasks({
      tenant: '',
      contextId: '',
      status: 0,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    expect(list.tasks.map((x) => x.id)).toContain(t.id);
    expect(list.tasks.find((x) => x.id === t.id)!.status!.state).toBe(TaskState.TASK_STATE_CANCELED);
  }, 60_000);

  it('the directory lists the discovered agents as cards the serving node signed, each verifiable offline', async () => {
    const { agents } = await getJson<{ agents: Array<{ agent: string; card: unknown }> }>(
      gate,
      `/a2a/agents?tags=text`,
    );
    expect(new Set(agents.map((a) => a.agent))).toEqual(new Set(workers.map((w) => w.agent)));
    for (const a of agents) {
      const check = await verifyCard(a.card, crypto, Date.now(), DEFAULT_LIMITS);
      expect(check).toMatchObject({
        ok: true,
        agent: a.agent,
        signer: gate.agent,
        directory: gate.agent,
        skills: [SKILL],
      });
    }
    // Every card is hireable through the serving node's gateway: its skill is one the gateway resolves.
    const r = (await client.sendMessage(request('summarize: via the directory'))) as Task;
    expect(r.status!.state).toBe(TaskState.TASK_STATE_COMPLETED);
  }, 90_000);

  it('agentnet a2a card prints and verifies a card; a tampered one or a binding for another key is refused', async () => {
    const ok = cli(['card', '--url', gate.api, '--verify']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/verified: signed by [0-9a-f]{64} \(the agent\)/);
    const card = (await (await fetch(`${gate.api}/.well-known/agent-card.json`)).json()) as any;

    const tampered = structuredClone(card);
    tampered.skills[0].description = 'something else';
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
    const bad = cli(['card', '--file', join(dir, 'tampered.json'), '--verify']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/NOT verified:[\s\S]*signatures\[0\]/);

    const other = (await (await fetch(`${workers[0]!.api}/.well-known/agent-card.json`)).json()) as any;
    const swapped = structuredClone(card);
    const ext = (c: any) => c.capabilities.extensions.find((e: any) => e.uri === BAID_EXTENSION_URI);
    ext(swapped).params.binding = ext(other).params.binding;
    writeFileSync(join(dir, 'swapped.json'), JSON.stringify(swapped));
    const wrong = cli(['card', '--file', join(dir, 'swapped.json'), '--verify', '--json']);
    expect(wrong.code).toBe(1);
    const j = JSON.parse(wrong.out) as { check: { ok: boolean; errors: string[] } };
    expect(j.check.errors.join('\n')).toMatch(/binding for another key/);
  }, 60_000);

  it('with an API token the card is served open and declares the bearer scheme; the endpoint needs the token', async () => {
    const token = 'a2a-test-token-0123456789';
    const locked = await startProc({
      name: 'locked',
      dir,
      config: {
        dataDir: join(dir, 'locked'),
        network,
        broker: process.env['MQTT_URL'] ?? broker!.url,
        apiToken: token,
        declarations: [cap('locked')],
      },
    });
    const card = await (await new ClientFactory().createFromUrl(locked.api)).getAgentCard();
    expect(card.securitySchemes['bearer']?.scheme).toMatchObject({
      $case: 'httpAuthSecurityScheme',
      value: { scheme: 'Bearer' },
    });
    expect(Object.keys(card.securityRequirements[0]!.schemes)).toEqual(['bearer']);
    const call = (headers: Record<string, string>) =>
      fetch(`${locked.api}/a2a`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: '00'.repeat(32) } }),
      });
    expect((await call({})).status).toBe(401);
    const ok = await call({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { error: { code: number } }).error.code).toBe(-32001); // TaskNotFoundError
    // The SDK client with the token as a service parameter (an HTTP header on this binding).
    const c = await new ClientFactory().createFromUrl(locked.api);
    await expect(
      c.getTask({ tenant: '', id: '00'.repeat(32) }, { serviceParameters: { Authorization: `Bearer ${token}` } }),
    ).rejects.toThrow(/no task/);
  }, 60_000);

  it('bad input gets a clear JSON-RPC error and posts no task', async () => {
    const n = await tasks();
    const send = (params: unknown, headers?: Record<string, string>) =>
      rpc(gate, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params }), headers);
    const msg = (text: string, meta: Record<string, unknown> = { skill: SKILL }) => ({
      message: { messageId: 'x', role: 'ROLE_USER', parts: [{ text }], metadata: { [BAID_EXTENSION_URI]: meta } },
    });

    expect((await rpc(gate, '{"jsonrpc": "2.0", "id": 1, "method": ')).json.error).toMatchObject({ code: -32700 });
    expect((await rpc(gate, '{"id": 1, "method": "SendMessage"}')).json.error).toMatchObject({ code: -32600 });
    expect((await rpc(gate, '{"jsonrpc": "2.0", "id": 1, "method": "Hire", "params": {}}')).json.error).toMatchObject({
      code: -32601,
    });
    const unknown = (await send(msg('x', { skill: `${TOPIC}/no.such` }))).json.error!;
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toMatch(/unknown skill text_summary\/no\.such/);
    const big = (await send(msg('x'.repeat(DEFAULT_LIMITS.bodyBytes + 1)))).json.error!;
    expect(big.code).toBe(-32602);
    expect(big.message).toMatch(/^message\.parts: /);
    const term = (await send(msg('x', { skill: SKILL, budget: -1 }))).json.error!;
    expect(term.message).toMatch(/budget: must be an integer/);
    const huge = await rpc(
      gate,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: msg('x'.repeat(200_000)) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.json.error).toMatchObject({ code: -32600 });
    // No A2A-Version header: a v0.3 client, which this node does not serve.
    expect((await send(msg('x'), {})).json.error).toMatchObject({ code: -32009 });
    // The SDK client surfaces the same refusal.
    await expect(client.sendMessage(request('x'.repeat(DEFAULT_LIMITS.bodyBytes + 1)))).rejects.toThrow(
      /message\.parts/,
    );
    expect(await tasks()).toBe(n);
  });
});
