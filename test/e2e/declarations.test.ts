// End to end, the way an operator meets it: real `agentnet run` processes (dist/agentnet.mjs) on one
// broker (the system Mosquitto at MQTT_URL, or an embedded one), driven only through their HTTP API, an
// `agentnet mcp --api` server (official MCP client over stdio) and the CLI. It covers the three
// declaration defects: what the decoders would refuse is refused by every way in, naming the field; a
// store holding an own entry an older version signed keeps working; a capability survives 64 states in
// its topic; two capabilities in a topic stay apart on a peer and are withdrawn one by one.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { ANNOUNCE, jsonSchemaOf, WITHDRAW } from '../../src/core/api/requests.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import {
  BUNDLE,
  getJson,
  killAll,
  postJson,
  startProc,
  stopProc,
  until,
  type Proc,
  type ProcSpec,
} from '../multiprocess/procs.js';
import { appendUndecodableOwnEntry } from '../old-entry.js';

const TOPIC = 'data_analysis';
const SQL = { kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL analytics', price: 600 };
const CSV = { kind: 'capability', topic: TOPIC, tags: ['data.analysis.csv'], text: 'CSV cleaning', price: 600 };

type ToolResult = { isError?: boolean; content: Array<{ text: string }>; structuredContent?: Record<string, any> };

/** POST without throwing on 4xx: status and JSON. */
async function post(p: Proc, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${p.api}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: r.status, json: await r.json() };
}

describe('declarations end to end: agentnet run processes, HTTP, MCP and the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-e2e-decl-'));
  const network = `e2e-decl-${process.pid}-${Date.now().toString(36)}`;
  let broker: EmbeddedBroker | undefined;
  let url: string;
  let alice: Proc;
  let bob: Proc;
  let bobSpec: ProcSpec;
  let mcp: Client;

  const candidates = async (p: Proc, tags: string) =>
    (await getJson<{ candidates: Array<{ author: string; key?: string }> }>(p, `/discover?tags=${tags}&topic=${TOPIC}`))
      .candidates;
  const live = async (p: Proc) =>
    (await getJson<{ declarations: Array<{ id: string; kind: string; key?: string }> }>(p, '/declarations'))
      .declarations;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await mcp.callTool({ name, arguments: args })) as ToolResult;
  /** Alice posts a task for `tag` and waits for its end; its final state and worker. */
  async function task(tag: string): Promise<{ state: string; worker?: string }> {
    const t = await postJson<{ id: string }>(alice, '/tasks', {
      topic: TOPIC,
      tags: [tag],
      text: 'count rows',
      budget: 2000,
      bidWindowMs: 2000,
    });
    let v: { state: string; worker?: string } = { state: '' };
    await until(
      `task ${tag}`,
      async () => {
        v = await getJson(alice, `/tasks/${t.id}`);
        return ['settled', 'expired', 'defaulted', 'unsigned'].includes(v.state) || v.state;
      },
      60_000,
    );
    return v;
  }

  beforeAll(async () => {
    if (process.env['MQTT_URL']) url = process.env['MQTT_URL'];
    else {
      broker = await startEmbeddedBroker();
      url = broker.url;
    }
    const cfg = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      dir,
      config: { dataDir: join(dir, name), network, broker: url, tasks: { retryMs: 300 }, ...extra },
    });
    alice = await startProc(
      cfg('alice', { declarations: [{ kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need' }] }),
    );
    bobSpec = cfg('bob');
    bob = await startProc(bobSpec);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BUNDLE, 'mcp', '--api', bob.api],
      stderr: 'ignore',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    mcp = new Client({ name: 'agentnet-e2e', version: '1.0.0' });
    await mcp.connect(transport);
  }, 90_000);

  afterAll(async () => {
    await mcp?.close();
    await killAll();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the MCP tools' input schemas are the request tables'", async () => {
    const { tools } = await mcp.listTools();
    expect(tools.find((t) => t.name === 'announce')!.inputSchema).toEqual(jsonSchemaOf(ANNOUNCE, DEFAULT_LIMITS));
    expect(tools.find((t) => t.name === 'withdraw')!.inputSchema).toEqual(jsonSchemaOf(WITHDRAW, DEFAULT_LIMITS));
  });

  it('two capabilities announced over MCP stay apart on the peer; one is withdrawn by key', async () => {
    for (const d of [SQL, CSV]) expect((await call('announce', d)).isError).toBeFalsy();
    await until(
      'alice discovers both',
      async () => (await candidates(alice, 'data.analysis')).length === 2 || 'not yet',
      30_000,
    );
    expect((await candidates(alice, 'data.analysis.sql')).map((c) => [c.author, c.key])).toEqual([
      [bob.agent, 'data.analysis.sql'],
    ]);
    expect((await call('withdraw', { topic: TOPIC, key: 'data.analysis.csv' })).isError).toBeFalsy();
    await until(
      'csv withdrawn',
      async () => (await candidates(alice, 'data.analysis.csv')).length === 0 || 'still there',
      30_000,
    );
    expect((await candidates(alice, 'data.analysis.sql')).map((c) => c.key)).toEqual(['data.analysis.sql']);
    expect((await live(bob)).map((d) => d.key)).toEqual(['data.analysis.sql']);
  }, 60_000);

  it('what the decoders would refuse is refused over HTTP and MCP, naming the field, and nothing is signed', async () => {
    const head = async () =>
      (await getJson<{ logs: Array<{ author: string; seq: number }> }>(bob, '/logs')).logs.find(
        (l) => l.author === bob.agent,
      )?.seq;
    const before = await head();
    const h = await post(bob, '/announce', { ...SQL, requiredTier: 9 });
    expect(h).toEqual({
      status: 400,
      json: { error: { code: 'BAD_REQUEST', message: 'requiredTier: must be an integer 0..4', field: 'requiredTier' } },
    });
    const m = await call('announce', { ...SQL, price: -5 });
    expect(m.isError).toBe(true);
    expect(m.content[0]!.text).toBe('BAD_REQUEST: price: must be an integer 0..2^53-1');
    const t = await post(bob, '/tasks', {
      topic: TOPIC,
      tags: Array.from({ length: 33 }, (_, i) => `t${i}`),
      budget: 1,
    });
    expect(t.json.error).toMatchObject({ field: 'tags', message: 'tags: must have at most 32 items' });
    const q = await fetch(`${bob.api}/discover?tags=UPPER`);
    expect(q.status).toBe(400);
    expect(((await q.json()) as any).error.field).toBe('tags[0]');
    expect(await head()).toBe(before);
  });

  it('the CLI refuses a config file whose declaration the decoders would refuse, naming it (exit 2)', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'never'), declarations: [SQL, { ...CSV, price: -5 }] }));
    for (const cmd of [
      ['check', '--config', file],
      ['run', '--config', file],
    ]) {
      const r = spawnSync(process.execPath, [BUNDLE, ...cmd], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout + r.stderr).toContain('"declarations[1].price" must be an integer 0..2^53-1');
    }
  });

  it('a capability followed by 64 states in its topic is still live and wins a task', async () => {
    for (let i = 0; i < 64; i++)
      await postJson(bob, '/announce', {
        kind: 'state',
        topic: TOPIC,
        tags: ['load'],
        key: `load-${i}`,
        text: `load ${i}`,
      });
    expect((await live(bob)).filter((d) => d.kind === 'capability').map((d) => d.key)).toEqual(['data.analysis.sql']);
    expect(await task('data.analysis.sql')).toMatchObject({ state: 'settled', worker: bob.agent });
  }, 90_000);

  it('an own entry an older version signed, which no decoder reads, is reported once and skipped after a restart', async () => {
    const before = (await live(bob)).map((d) => d.id);
    await stopProc(bob);
    const bad = appendUndecodableOwnEntry(join(dir, 'bob'), TOPIC, 'legacy.thing');
    bob = await startProc(bobSpec);
    for (let i = 0; i < 3; i++) expect((await live(bob)).map((d) => d.id)).toEqual(before);
    expect(before).not.toContain(bad);
    expect((await getJson<{ storeUndecodable: number }>(bob, '/status')).storeUndecodable).toBe(1);
    expect((await fetch(`${bob.api}/trust?topic=${TOPIC}`)).status).toBe(200);
    // bob's clean stop published its death: alice invites it again once its new birth has reached her.
    await until(
      'alice sees bob again',
      async () =>
        (
          await getJson<{ candidates: Array<{ author: string }> }>(
            alice,
            `/discover?tags=data.analysis.sql&topic=${TOPIC}`,
          )
        ).candidates.some((c) => c.author === bob.agent) || 'not yet',
      30_000,
    );
    expect(await task('data.analysis.sql')).toMatchObject({ state: 'settled', worker: bob.agent });
    const log = readFileSync(join(dir, 'bob.log'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('does not decode'))).toHaveLength(1);
  }, 120_000);
});
