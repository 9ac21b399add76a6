// Nodes on a UDP LAN mesh (loopback), and a bridge node joining the mesh to an MQTT broker: headers
// cross once, bodies are pulled by hash across both, every node discovers the capability it needs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { freeUdpPort as freePort } from './node-kit.js';

const quiet = createLogger({ level: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'agentnet-mesh-'));
const nodes: AgentNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('UDP LAN mesh and an MQTT bridge', () => {
  it('a chain of mesh nodes discovers across two hops; a bridge carries discovery to an MQTT node', async () => {
    const network = `mesh-${process.pid}`;
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const broker = await startEmbeddedBroker();
    const start = async (name: string, transport: string, decl: object[]) => {
      const n = await startNode(
        loadConfig({ env: {}, flags: { dataDir: join(dir, name), network, broker: transport, declarations: decl } }),
        { logger: quiet },
      );
      nodes.push(n);
      return n;
    };
    try {
      const cap = {
        kind: 'capability',
        topic: 'creative_writing',
        tags: ['writing.copy'],
        text: 'ad copy',
        ttlMs: 600_000,
      };
      const need = { kind: 'intent', topic: 'creative_writing', tags: ['writing'], text: 'need words', ttlMs: 600_000 };
      const writer = await start('writer', `udp://127.0.0.1:${p1}`, [cap]);
      const relay = await start('relay', `udp://127.0.0.1:${p2}?peers=127.0.0.1:${p1}`, []);
      const reader = await start('reader', `udp://127.0.0.1:${p3}?peers=127.0.0.1:${p2}`, [need]);
      await until(() => reader.discover({ tags: ['writing'] }).length === 1);
      expect(reader.discover({ tags: ['writing'] })[0]!.author).toBe(writer.core.agentHex);
      expect(relay.status().entries).toBeGreaterThanOrEqual(0);

      const bridge = await start('bridge', `${broker.url} udp://127.0.0.1:0?peers=127.0.0.1:${p2}`, []);
      const mqttReader = await start('mqtt-reader', broker.url, [need]);
      await until(() => mqttReader.discover({ tags: ['writing'] }).length === 1, 30_000);
      expect(mqttReader.discover({ tags: ['writing'] })[0]!.author).toBe(writer.core.agentHex);
      expect(bridge.status()['link']).toMatchObject({ state: 'up' });
    } finally {
      await broker.close();
    }
  }, 60_000);
});
