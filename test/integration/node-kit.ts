// Shared by the integration tests that drive real nodes (startNode) through their local API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { createUdpTransport } from '../../src/runtime/transport/udp.js';

/** Polls `cond` every 50 ms until it holds; throws after `ms` (a deadline, not a timing assertion). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET (no body) or POST (JSON body) on a node's local API; the reply's status and parsed JSON. */
export const api = (n: AgentNode, path: string, body?: unknown) =>
  fetch(
    `http://127.0.0.1:${n.apiPort}${path}`,
    body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {},
  ).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

/** A free UDP port on loopback (bound and released). */
export async function freeUdpPort(): Promise<number> {
  const t = createUdpTransport('udp://127.0.0.1:0', { network: 'x', clientId: 'x' });
  await t.ready();
  const p = Number(t.localAddress().split(':')[1]);
  await t.close();
  return p;
}

/**
 * Nodes started in one process from config files in one scratch folder, on one network of a broker the test
 * starts (`brokerUrl`, set before the first `start`); `close` stops them in reverse order and removes the folder.
 */
export class NodeFleet {
  readonly dir: string;
  readonly network: string;
  brokerUrl = '';
  private readonly nodes: AgentNode[] = [];
  private readonly logger = createLogger({ level: 'error' });

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `agentnet-${prefix}-`));
    this.network = `${prefix}-${process.pid}-${Date.now() % 1e6}`;
  }

  /** Writes `{name}.json` (its data folder, the network and broker, then `file`) and starts a node from it. */
  async start(name: string, file: Record<string, unknown>): Promise<AgentNode> {
    const path = join(this.dir, `${name}.json`);
    const base = { dataDir: join(this.dir, name), network: this.network, broker: this.brokerUrl };
    writeFileSync(path, JSON.stringify({ ...base, ...file }));
    const n = await startNode(loadConfig({ file: path, env: {} }), { logger: this.logger });
    this.nodes.push(n);
    return n;
  }

  async close(): Promise<void> {
    for (const n of this.nodes.reverse()) await n.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
