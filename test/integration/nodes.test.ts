// Two real nodes (SQLite, verifier, driver, MQTT transport, local API) over the embedded aedes broker,
// and over the system Mosquitto at MQTT_URL when it is set (.ci/run sets it).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';

const quiet = createLogger({ level: 'error' });

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pair(name: string, brokerUrl: () => string, skip = false) {
  describe.skipIf(skip)(`two nodes over ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-int-'));
    const network = `it-${process.pid}-${Date.now() % 1e6}`;
    const nodes: AgentNode[] = [];
    const start = (n: string, extra: Record<string, unknown> = {}) =>
      startNode(loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: brokerUrl(), ...extra } }), {
        logger: quiet,
      });

    afterAll(async () => {
      for (const n of nodes) await n.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('discover each other through the local API, pulling bodies by hash', async () => {
      const alice = await start('alice');
      const bob = await start('bob');
      nodes.push(alice, bob);
      const api = (n: AgentNode, path: string, body?: unknown) =>
        fetch(
          `http://127.0.0.1:${n.apiPort}${path}`,
          body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {},
        ).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      const cap = await api(bob, '/announce', {
        kind: 'capability',
        topic: 'data_analysis',
        tags: ['data.analysis.sql'],
        text: 'SQL analytics',
      });
      expect(cap.status).toBe(200);
      expect(cap.json['seq']).toBe(1);
      await api(alice, '/announce', {
        kind: 'intent',
        topic: 'data_analysis',
        tags: ['data.analysis'],
        text: 'need SQL',
      });
      await until(
        async () => ((await api(alice, '/discover?tags=data.analysis')).json['candidates'] as unknown[]).length === 1,
      );
      const found = (await api(alice, '/discover?tags=data.analysis&topic=data_analysis')).json['candidates'] as Array<
        Record<string, unknown>
      >;
      expect(found[0]).toMatchObject({ author: bob.core.agentHex, tags: ['data.analysis.sql'], verifiedTier: 2 });
      const st = (await api(alice, '/status')).json as {
        verified: { T1: number; T2: number };
        pulls: { completed: number };
        link: { state: string };
      };
      expect(st.verified.T2).toBeGreaterThanOrEqual(2);
      expect(st.pulls.completed).toBe(1);
      expect(st.link.state).toBe('up');
    });

    it('answers bad API requests with JSON errors and stable codes', async () => {
      const [alice] = nodes;
      const r1 = await fetch(`http://127.0.0.1:${alice!.apiPort}/announce`, {
        method: 'POST',
        body: '{"kind":"capability","topic":"BAD"}',
      });
      expect(r1.status).toBe(400);
      expect(((await r1.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
      const r2 = await fetch(`http://127.0.0.1:${alice!.apiPort}/nope`);
      expect(((await r2.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      const r3 = await fetch(`http://127.0.0.1:${alice!.apiPort}/discover`);
      expect(r3.status).toBe(400);
      const r4 = await fetch(`http://127.0.0.1:${alice!.apiPort}/status`, { method: 'DELETE' });
      expect(r4.status).toBe(405);
    });

    it('a node restarted on the same data dir keeps its identity and log and catches up', async () => {
      const [alice, bob] = nodes;
      const aliceKey = alice!.core.agentHex;
      await alice!.close();
      nodes.splice(0, 1);
      bob!.announce({
        kind: 'capability',
        topic: 'data_analysis',
        tags: ['data.analysis.sql', 'data.viz.plot'],
        text: 'SQL and plots',
      });
      const again = await start('alice');
      nodes.push(again);
      expect(again.core.agentHex).toBe(aliceKey);
      expect(again.status().entries).toBeGreaterThanOrEqual(2);
      await until(() => again.discover({ tags: ['data.viz'] }).length === 1);
      expect(
        again.announce({ kind: 'intent', topic: 'data_analysis', tags: ['data.analysis'], text: 'need SQL' }).reused,
      ).toBe(true);
    });
  });
}

let broker: EmbeddedBroker | undefined;
beforeAll(async () => {
  broker = await startEmbeddedBroker();
});
afterAll(async () => {
  await broker?.close();
});

pair('the embedded broker', () => broker!.url);

const MQTT_URL = process.env['MQTT_URL'];
if (!MQTT_URL) console.warn('integration: MQTT_URL not set; the Mosquitto pair is skipped (.ci/run sets it)');
pair(`Mosquitto at ${MQTT_URL ?? '(MQTT_URL unset)'}`, () => MQTT_URL!, !MQTT_URL);

describe('embedded broker', () => {
  it('never takes the port of a running system broker', async () => {
    const b = await startEmbeddedBroker();
    expect(b.port).not.toBe(1883);
    await b.close();
  });
});

describe('broker outage', () => {
  it('nodes reconnect after the broker restarts empty, republish retained state, and converge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-outage-'));
    let b = await startEmbeddedBroker();
    const port = b.port;
    const network = `outage-${process.pid}`;
    const start = (n: string) =>
      startNode(loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: b.url } }), { logger: quiet });
    const alice = await start('alice');
    const bob = await start('bob');
    try {
      alice.announce({ kind: 'intent', topic: 'devops_tool_execution', tags: ['devops.exec'], text: 'need a shell' });
      await b.close(); // retained births, frontiers and bodies are gone with it
      bob.announce({
        kind: 'capability',
        topic: 'devops_tool_execution',
        tags: ['devops.exec.shell'],
        text: 'runs shell tasks',
      }); // while down
      await new Promise((r) => setTimeout(r, 500));
      b = await startEmbeddedBroker('127.0.0.1', port);
      await until(() => alice.discover({ tags: ['devops.exec'] }).length === 1, 20_000);
      expect(alice.status()['link']).toMatchObject({ state: 'up' });
      expect((bob.status()['link'] as { reconnects: number }).reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await alice.close();
      await bob.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});

describe('births and deaths', () => {
  it('a node that vanishes is marked departed by its Will; its rebirth outranks the old Will', async () => {
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-will-'));
    const b = await startEmbeddedBroker();
    const network = `will-${process.pid}`;
    const watcher = await startNode(
      loadConfig({
        env: {},
        flags: {
          dataDir: join(dir, 'watcher'),
          network,
          broker: b.url,
          declarations: [{ kind: 'intent', topic: 'data_analysis', tags: ['data'], text: 'need data' }],
        },
      }),
      { logger: quiet },
    );
    const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
    const runProvider = () =>
      new Promise<import('node:child_process').ChildProcess>((resolve) => {
        const cfg = join(dir, 'provider.json');
        writeFileSync(
          cfg,
          JSON.stringify({
            dataDir: join(dir, 'provider'),
            network,
            broker: b.url,
            declarations: [{ kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'sql' }],
          }),
        );
        const child = spawn(process.execPath, [bundle, 'run', '--config', cfg], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        createInterface({ input: child.stdout! }).on('line', (l) => l.includes('"ready"') && resolve(child));
      });
    try {
      let p = await runProvider();
      await until(() => watcher.discover({ tags: ['data'] }).length === 1);
      const author = watcher.discover({ tags: ['data'] })[0]!.author;
      p.kill('SIGKILL'); // no DISCONNECT: the broker publishes the Will
      await until(() => !watcher.core.isAlive(author));
      expect(watcher.discover({ tags: ['data'] })).toEqual([]);
      p = await runProvider(); // same identity, a newer birth
      await until(() => watcher.core.isAlive(author) && watcher.discover({ tags: ['data'] }).length === 1);
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    } finally {
      await watcher.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
