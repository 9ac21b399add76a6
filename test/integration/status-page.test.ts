// The status page at / in headless Chromium (Debian package `chromium`, driven by playwright-core):
// three nodes on an embedded broker; the page lists the two peers with their tier, the followed topic
// and log heads, then updates live from /events when a third node appears. Writes
// test-output/status.png.

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `status page: no Chromium at ${CHROMIUM}; install the Debian package "chromium" (or set CHROMIUM_PATH) to run the browser test`,
  );

describe.skipIf(!haveChromium)('status page in headless Chromium', () => {
  let broker: EmbeddedBroker;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-page-'));
  const network = `page-${process.pid}-${Date.now() % 1e6}`;
  const nodes: AgentNode[] = [];
  const quiet = createLogger({ level: 'error' });
  const start = async (n: string) => {
    const node = await startNode(
      loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: broker.url } }),
      { logger: quiet },
    );
    nodes.push(node);
    return node;
  };
  const until = async (cond: () => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    for (const n of nodes) await n.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders peers with tier and last seen, topics, log heads, counters, and updates live', async () => {
    const watcher = await start('watcher');
    const a = await start('worker-a');
    const b = await start('worker-b');
    watcher.announce({ kind: 'intent', topic: 'data_analysis', tags: ['data.analysis'], text: 'need analysis' });
    a.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.analysis.sql'], text: 'SQL' });
    await until(() => watcher.peers().length === 1);

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`http://127.0.0.1:${watcher.apiPort}/`);
    const rows = page.locator('#peers tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('#peers tbody tr').length === 1);
    expect(await rows.first().getAttribute('data-key')).toBe(a.core.agentHex);
    expect(await rows.first().locator('td').nth(2).textContent()).toBe('T2');
    // "last seen" is liveness: the peer's latest birth says it is up.
    expect(await rows.first().locator('td').nth(3).textContent()).toMatch(/^online \(up \d+ s\)$/);
    expect(await page.locator('#agent').textContent()).toBe(watcher.core.agentHex);
    expect(await page.locator('#link').textContent()).toBe('up');
    expect(await page.locator('#topics li').allTextContents()).toEqual(['data_analysis']);
    expect(await page.locator('#verified tbody tr').count()).toBe(5);
    await page.waitForFunction(() => document.getElementById('stream')?.textContent === 'live');

    // No reload: the page must pick the new peer up from the SSE stream.
    b.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.analysis.viz'], text: 'plots' });
    await page.waitForFunction((k) => !!document.querySelector(`#peers tbody tr[data-key="${k}"]`), b.core.agentHex, {
      timeout: 15_000,
    });
    expect(await rows.count()).toBe(2);
    expect(await page.locator('#logs tbody tr').count()).toBe(3);
    expect(await page.locator('#events').textContent()).toMatch(/appended/);
    // Own declarations, the ledger balance, tasks with their states and trust per followed topic.
    expect(await page.locator('#declarations tbody tr td').allTextContents()).toEqual([
      'intent',
      'data_analysis',
      'data.analysis',
      'need analysis',
      '',
    ]);
    expect(await page.locator('#balance').textContent()).toBe('100000');
    const posted = await fetch(`http://127.0.0.1:${watcher.apiPort}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'data_analysis', tags: ['data.analysis.sql'], text: 'count rows', budget: 100 }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await page.waitForFunction(
      (k) => !!document.querySelector(`#tasks tbody tr[data-key="${k}requester"]`),
      posted.id,
      {
        timeout: 15_000,
      },
    );
    expect(await page.locator(`#tasks tbody tr[data-key="${posted.id}requester"] td`).nth(3).textContent()).toBe(
      'count rows',
    );
    expect(await page.locator('#trust thead th').allTextContents()).toEqual(['topic', 'agent', 'trust', 'receipts']);

    // A peer that stops publishes its death (a clean stop; the broker's Will on a crash): the page says it left,
    // though its last message is as recent as before. No reload: the page refreshes itself.
    const aRow = page.locator(`#peers tbody tr[data-key="${a.core.agentHex}"] td`).nth(3);
    expect(await aRow.textContent()).toMatch(/^online/);
    await a.close();
    nodes.splice(nodes.indexOf(a), 1);
    await page.waitForFunction(
      (k) =>
        /^left \d+ s ago$/.test(
          document.querySelector(`#peers tbody tr[data-key="${k}"] td:nth-child(4)`)?.textContent ?? '',
        ),
      a.core.agentHex,
      { timeout: 15_000 },
    );
    expect(await aRow.getAttribute('class')).toBe('live-left');
    const peersNow = (await fetch(`http://127.0.0.1:${watcher.apiPort}/peers`).then((r) => r.json())) as {
      peers: Array<{ agent: string; liveness: { state: string; since: number } }>;
    };
    expect(peersNow.peers.find((p) => p.agent === a.core.agentHex)!.liveness).toMatchObject({ state: 'left' });
    expect(peersNow.peers.find((p) => p.agent === b.core.agentHex)!.liveness).toMatchObject({ state: 'online' });

    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/status.png', fullPage: true });
    expect(statSync('test-output/status.png').size).toBeGreaterThan(10_000);
  });

  it('opens with a token from the URL fragment; without it the page says how, and data stays behind the token', async () => {
    const token = 'page-token-0123456789abcdef';
    const guarded = await startNode(
      loadConfig({ env: {}, flags: { dataDir: join(dir, 'guarded'), network, broker: broker.url, apiToken: token } }),
      { logger: quiet },
    );
    nodes.push(guarded);
    const base = `http://127.0.0.1:${guarded.apiPort}`;
    // The shell is public (a navigation cannot send the header); every data route still needs the token.
    expect((await fetch(`${base}/`)).status).toBe(200);
    for (const p of ['/status', '/peers', '/events', '/metrics']) expect((await fetch(`${base}${p}`)).status).toBe(401);

    const page = await browser.newPage();
    await page.goto(`${base}/#token=${token}`);
    await page.waitForFunction(
      (k) =>
        document.getElementById('agent')?.textContent === k &&
        document.getElementById('stream')?.textContent === 'live',
      guarded.core.agentHex,
      { timeout: 15_000 },
    );
    expect(await page.locator('#link').textContent()).toBe('up');
    expect(await page.locator('body').textContent()).not.toContain(token); // the token is never rendered

    const bare = await browser.newPage();
    await bare.goto(`${base}/`);
    await bare.waitForFunction(() => /needs its token/.test(document.getElementById('stream')?.textContent ?? ''));
    expect(await bare.locator('#stream').textContent()).toBe(
      `this node's API needs its token: open ${base}/#token=TOKEN`,
    );
    expect(await bare.locator('#agent').textContent()).toBe('…');
  });
});
