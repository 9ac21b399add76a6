// An LLM host's round trip through MCP (docs/adapters.md, README "MCP"): the official SDK client drives `agentnet mcp` (its own
// node, started by the bundle) against a real `agentnet run` worker whose capability runs an exec adapter
// (examples/workers/csv-stats.mjs). The host follows the topic, finds the worker, posts a task it will rate
// itself (rater manual), waits for the delivery with wait_task, reads the artefact with get_task, rates it
// with rate_task and waits for the settlement; list_tasks filters, trust and unfollow answer; a server
// attached to a node that is not there names the URL and the cause.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { BUNDLE, freeTcpPort, killAll, startProc, until, type Proc } from '../multiprocess/procs.js';
import { startOpenAiServer, type OpenAiServer } from '../openai-compat.js';

const ROOT = join(import.meta.dirname, '../..');
const TOPIC = 'data_analysis';
const ACCEPT = {
  kind: 'json',
  members: [
    ['rows', 'number'],
    ['columns', 'object'],
  ],
};
type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }>; structuredContent?: any };

async function connect(args: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUNDLE, 'mcp', ...args],
    stderr: 'ignore',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const client = new Client({ name: 'agentnet-host-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('an MCP host posts a task, waits for it, reads the artefact and rates it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-mcp-tasks-'));
  const network = `mcp-tasks-${process.pid}-${Date.now().toString(36)}`;
  let broker: EmbeddedBroker | undefined;
  let worker: Proc;
  let host: Client;
  let llm: OpenAiServer;
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = (await host.callTool({ name, arguments: args }, undefined, { timeout: 150_000 })) as ToolResult;
    if (r.isError) throw new Error(`${name}: ${r.content[0]?.text}`);
    return r.structuredContent;
  };

  beforeAll(async () => {
    const url = process.env['MQTT_URL'] ?? (broker = await startEmbeddedBroker()).url;
    worker = await startProc({
      name: 'worker',
      dir,
      config: {
        dataDir: join(dir, 'worker'),
        network,
        broker: url,
        tasks: { retryMs: 300 },
        adapters: {
          stats: { kind: 'exec', command: process.execPath, args: [join(ROOT, 'examples/workers/csv-stats.mjs')] },
        },
        declarations: [
          {
            kind: 'capability',
            topic: TOPIC,
            tags: ['data.analysis.csv'],
            text: 'statistics of a CSV',
            price: 700,
            adapter: 'stats',
          },
        ],
      },
    });
    // The host's node ranks free text through an embedder: the OpenAI-compatible server of the test suite (no
    // embeddings service is reachable from these machines).
    llm = await startOpenAiServer();
    const hostConfig = join(dir, 'host.json');
    writeFileSync(
      hostConfig,
      JSON.stringify({ embedder: { baseUrl: llm.baseUrl, model: 'concepts', timeoutMs: 2000 } }),
    );
    host = await connect(['--config', hostConfig, '--data', join(dir, 'host'), '--network', network, '--broker', url]);
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    await llm?.close();
    await killAll();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follow, discover, post, wait, read, rate, settle', async () => {
    expect(await call('follow_topic', { topic: TOPIC })).toMatchObject({ followed: [TOPIC], changed: true });
    // Bodies are pulled on interest: an intent says what this agent looks for.
    await call('announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need CSV statistics' });
    await until(
      'the host discovers the worker',
      async () => {
        const c = (await call('discover', { tags: ['data.analysis.csv'], topic: TOPIC })).candidates as unknown[];
        return c.length === 1 || `${c.length} candidates`;
      },
      60_000,
    );
    // Free text with no word of the declaration finds it by meaning; a failing embedder falls back to BM25, saying why.
    const meant = await call('discover', { text: 'spreadsheet numbers', topic: TOPIC });
    expect(meant.ranking).toEqual({ method: 'embedding', model: 'concepts' });
    expect(meant.candidates.map((c: { author: string }) => c.author)).toEqual([worker.agent]);
    llm.embeddingsMode = 'status';
    const lexical = await call('discover', { text: 'CSV please', topic: TOPIC });
    delete llm.embeddingsMode;
    expect(lexical.ranking).toMatchObject({ method: 'bm25', fallback: { reason: 'status' } });
    expect(lexical.candidates.map((c: { author: string }) => c.author)).toEqual([worker.agent]);
    const posted = await call('post_task', {
      topic: TOPIC,
      tags: ['data.analysis.csv'],
      text: 'weights\nitem,kg\na,2\nb,4\nc,9',
      budget: 3000,
      bidWindowMs: 1500,
      deliverWindowMs: 30_000,
      settleWindowMs: 120_000,
      rater: 'manual',
      accept: ACCEPT, // the answer's shape, checked by the worker's node before it signs and by ours on arrival
    });
    const id = posted.id as string;
    expect(posted).toMatchObject({ role: 'requester', state: 'open', accept: ACCEPT });
    // Follow the task with the long poll until it is delivered (each call returns on a change or its timeout).
    let state = posted.state as string;
    const seen = [state];
    while (state !== 'delivered') {
      const r = await call('wait_task', { id, after: state, timeoutMs: 60_000 });
      expect(r.changed, `stuck in ${state}`).toBe(true);
      state = r.task.state;
      seen.push(state);
      expect(['open', 'awarded', 'fetching', 'delivered'], worker.tail.join('\n')).toContain(state);
    }
    expect(seen[0]).toBe('open');
    const got = await call('get_task', { id });
    expect(got.task).toMatchObject({ id, state: 'delivered', price: 700, worker: worker.agent, acceptance: 'passed' });
    expect(JSON.parse(got.artefact)).toEqual({
      task: id,
      rows: 3,
      columns: { kg: { count: 3, sum: 15, mean: 5, min: 2, max: 9, sd: 3.605551 } },
    });
    expect(got.artefactBytes).toBe(Buffer.byteLength(got.artefact));
    // The host judged it: a good answer.
    expect(await call('rate_task', { id, outcome: 900 })).toMatchObject({ state: 'rated', outcome: 900 });
    const end = await call('wait_task', { id, after: 'rated', timeoutMs: 60_000 });
    expect(end).toMatchObject({ changed: true, task: { state: 'settled', outcome: 900, amount: 630 } });
    // Filters and compact output.
    const settled = await call('list_tasks', { state: 'settled', role: 'requester', topic: TOPIC });
    expect(settled.tasks).toEqual([
      expect.objectContaining({ id, state: 'settled', role: 'requester', outcome: 900, price: 700 }),
    ]);
    expect(Object.keys(settled.tasks[0]).sort()).toEqual(
      ['budget', 'id', 'outcome', 'price', 'role', 'state', 'text', 'topic', 'worker'].sort(),
    );
    expect((await call('list_tasks', { state: 'open' })).tasks).toEqual([]);
    expect(await call('trust', { topic: TOPIC })).toBeTypeOf('object');
    // A wait with nothing to wait for ends at its timeout, unchanged.
    expect(await call('wait_task', { id, timeoutMs: 200 })).toMatchObject({
      changed: false,
      task: { state: 'settled' },
    });
    // A topic with a live intent stays followed; withdrawn, it can go.
    const refused = (await host.callTool({ name: 'unfollow_topic', arguments: { topic: TOPIC } })) as ToolResult;
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toContain('CONFLICT: an intent of this agent is live in data_analysis');
    await call('withdraw', { topic: TOPIC });
    expect(await call('unfollow_topic', { topic: TOPIC })).toMatchObject({ followed: [], changed: true });
  }, 240_000);

  it('attached to a node that is not there, a tool error names the URL and the cause', async () => {
    const port = await freeTcpPort();
    const lost = await connect(['--api', `http://127.0.0.1:${port}`]);
    try {
      const r = (await lost.callTool({ name: 'node_status', arguments: {} })) as ToolResult;
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toMatch(
        new RegExp(
          `^UNREACHABLE: cannot reach the agentnet node's API at http://127\\.0\\.0\\.1:${port} \\(GET /status\\): ECONNREFUSED`,
        ),
      );
    } finally {
      await lost.close();
    }
  });
});
