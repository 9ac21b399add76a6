// `agentnet mcp` through the built bundle (dist/agentnet.mjs), driven by the official MCP TypeScript
// SDK's own client over stdio: initialize, list tools and resources, call every tool, read every
// resource; a real peer node on the same embedded broker gives discover and verify_peer something to
// find. Any non-MCP byte on the server's stdout would surface as a client transport error.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
  structuredContent?: Record<string, any>;
};

async function connect(args: string[]): Promise<{ client: Client; errors: Error[] }> {
  const errors: Error[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bundle, 'mcp', ...args],
    stderr: 'ignore',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const client = new Client({ name: 'agentnet-test', version: '1.0.0' });
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return { client, errors };
}

describe('agentnet mcp over stdio', () => {
  let broker: EmbeddedBroker;
  let peer: AgentNode;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-mcp-'));
  const network = `mcp-${process.pid}-${Date.now() % 1e6}`;
  let own: { client: Client; errors: Error[] };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    peer = await startNode(
      loadConfig({ env: {}, flags: { dataDir: join(dir, 'peer'), network, broker: broker.url } }),
      { logger: createLogger({ level: 'error' }) },
    );
    peer.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.analysis.sql'], text: 'SQL analytics' });
    own = await connect([
      '--data',
      join(dir, 'mcp'),
      '--network',
      network,
      '--broker',
      broker.url,
      '--log-level',
      'debug',
    ]);
  });
  afterAll(async () => {
    await own?.client.close();
    await peer?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await own.client.callTool({ name, arguments: args })) as ToolResult;

  it('initializes and lists the PAL tools with JSON-schema inputs, and the resources', async () => {
    expect(own.client.getServerVersion()?.name).toBe('agentnet');
    const { tools } = await own.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'announce',
      'bid_task',
      'deliver_task',
      'discover',
      'follow_topic',
      'get_task',
      'ledger',
      'list_peers',
      'list_tasks',
      'node_status',
      'post_task',
      'rate_task',
      'trust',
      'unfollow_topic',
      'verify_peer',
      'wait_task',
      'withdraw',
    ]);
    // Hints for the host: reading tools are read-only, withdrawing and rating are not undoable.
    for (const t of tools.filter((x) => ['discover', 'get_task', 'wait_task', 'trust', 'list_tasks'].includes(x.name)))
      expect(t.annotations?.readOnlyHint, t.name).toBe(true);
    for (const t of tools.filter((x) => ['withdraw', 'rate_task'].includes(x.name)))
      expect(t.annotations?.destructiveHint, t.name).toBe(true);
    expect(own.client.getInstructions()).toContain('wait_task');
    const announce = tools.find((t) => t.name === 'announce')!;
    expect(announce.inputSchema).toMatchObject({ type: 'object', required: ['kind', 'topic', 'tags', 'text'] });
    const { resources } = await own.client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'agentnet://declarations',
      'agentnet://peers',
      'agentnet://status',
    ]);
  });

  it('announce, discover, verify_peer, list_peers, node_status and withdraw reach the node', async () => {
    const a = await call('announce', {
      kind: 'intent',
      topic: 'data_analysis',
      tags: ['data.analysis'],
      text: 'need SQL',
    });
    expect(a.isError).toBeFalsy();
    expect(a.structuredContent).toMatchObject({ seq: 1, reused: false });
    let found: Array<Record<string, unknown>> = [];
    const end = Date.now() + 20_000;
    while (!found.length && Date.now() < end) {
      const d = await call('discover', { tags: ['data.analysis'], topic: 'data_analysis' });
      found = d.structuredContent!['candidates'];
      if (!found.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found.map((c) => c['author'])).toEqual([peer.core.agentHex]);
    const v = await call('verify_peer', { agentKey: peer.core.agentHex, tier: 2 });
    expect(v.structuredContent).toMatchObject({ known: true, tier: 2, meets: true });
    expect(JSON.parse(v.content[0]!.text)).toEqual(v.structuredContent);
    const peers = await call('list_peers');
    expect(peers.structuredContent!['peers'].map((p: { agent: string }) => p.agent)).toEqual([peer.core.agentHex]);
    const st = await call('node_status');
    expect(st.structuredContent!['followed']).toEqual(['data_analysis']);
    const w = await call('withdraw', { topic: 'data_analysis' });
    expect(w.structuredContent).toMatchObject({ seq: 2 });
  });

  it('post_task, list_tasks and ledger: the peer (default policy) bids, delivers and settles', async () => {
    const p = await call('post_task', {
      topic: 'data_analysis',
      tags: ['data.analysis'],
      text: 'count rows',
      budget: 2000,
      bidWindowMs: 1000,
    });
    expect(p.isError).toBeFalsy();
    const id = p.structuredContent!['id'] as string;
    let state = '';
    const end = Date.now() + 30_000;
    while (state !== 'settled' && Date.now() < end) {
      const l = await call('list_tasks');
      state = l.structuredContent!['tasks'].find((t: { id: string }) => t.id === id)?.state ?? '';
      if (state !== 'settled') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('settled');
    const led = await call('ledger');
    expect(led.structuredContent).toMatchObject({ balance: 100_000 - 1000, totals: { sum: 0 } });
    // The worker-side and rating tools reach the API; here they are refused as the states do not allow them.
    for (const [tool, args] of [
      ['bid_task', { id, price: 1 }],
      ['deliver_task', { id, artefact: 'x' }],
      ['rate_task', { id, outcome: 5 }],
    ] as const) {
      const r = await call(tool, args);
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toMatch(/^CONFLICT: /); // a state conflict (409), not a malformed request
    }
  }, 60_000);

  it('returns the API error code as a tool error for bad input', async () => {
    const bad = await call('announce', { kind: 'capability', topic: 'Not A Topic', tags: [], text: '' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toMatch(/^BAD_REQUEST: /);
    const unknown = await call('verify_peer', { agentKey: 'zz' });
    expect(unknown.isError).toBe(true);
  });

  it('serves its declarations and peers as resources', async () => {
    const r = await own.client.readResource({ uri: 'agentnet://declarations' });
    const decl = JSON.parse((r.contents[0] as { text: string }).text).declarations as Array<{
      kind: string;
      text: string;
    }>;
    // Live declarations only: `need SQL` was withdrawn (a withdraw is not itself a declaration).
    expect(decl.map((d) => `${d.kind}:${d.text}`)).toEqual(['intent:count rows', 'state:task receipt']);
    const p = await own.client.readResource({ uri: 'agentnet://peers' });
    expect(JSON.parse((p.contents[0] as { text: string }).text).peers).toHaveLength(1);
  });

  it('attaches to a running node with --api', async () => {
    const att = await connect(['--api', `http://127.0.0.1:${peer.apiPort}`]);
    try {
      const st = (await att.client.callTool({ name: 'node_status', arguments: {} })) as ToolResult;
      expect(st.structuredContent!['agent']).toBe(peer.core.agentHex);
      expect(att.errors).toEqual([]);
    } finally {
      await att.client.close();
    }
  });

  it('wrote nothing but MCP messages on stdout (debug logs included)', () => {
    expect(own.errors).toEqual([]);
  });
});
