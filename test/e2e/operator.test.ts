// An operator's afternoon, end to end: a small network of real `agentnet run` processes on the system
// Mosquitto (MQTT_URL, else mqtt://127.0.0.1:1883; a private Mosquitto when neither answers), driven only
// through what an operator uses: the CLI (keygen, bind, inspect, check, rotate), each node's HTTP API (with a
// bearer token on one of them), the status page in headless Chromium, `curl … | promtool`, and an MCP client
// attached with `agentnet mcp --api`.
//
//   alice  requester; API token on loopback (status page opened with #token=); posts tasks through MCP
//   bob    worker (default policy, bids 1000)
//   dave   identity made by its operator with keygen + bind and placed in the data directory; manual worker;
//          later rotated to a new key (`agentnet rotate`), placed the same way, restarted
//   erin   bridge between Mosquitto and a UDP mesh (its fan-out is the profile's gossipDegree)
//
// Covered: trust from the parties' own receipts and discover ranking (both sides), rotation retiring the old
// key on peers and `rotate` refusing another operator, the token page, metrics negotiation checked by promtool,
// inspect naming a bad signature, check probing a bridge config with a udp:// mesh, 409 on task state
// conflicts and bid revision, HEAD and `//status`. Single-process CLI paths (run refusals, the ready line,
// --help of every command) are in test/e2e/run.test.ts and cli-help.test.ts.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateMosquitto, mosquittoAvailable } from '../reliability/mosquitto.js';
import {
  BUNDLE,
  freeUdpPort,
  killAll,
  startProc,
  stopProc,
  until,
  type Proc,
  type ProcSpec,
} from '../multiprocess/procs.js';

const TOPIC = 'data_analysis';
const TOKEN = 'operator-e2e-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'agentnet-operator-'));
const f = (n: string) => join(dir, n);
const network = `operator-${process.pid}-${Date.now().toString(36)}`;

/** `agentnet ...args` from the bundle, to its exit (asynchronous: nodes of this test keep running meanwhile). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [BUNDLE, ...args], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One HTTP request to a node's API, the way curl would send it. */
async function http(
  p: Proc,
  path: string,
  o: { method?: string; body?: unknown; token?: string; accept?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (o.token) headers['authorization'] = `Bearer ${o.token}`;
  if (o.accept) headers['accept'] = o.accept;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${p.api}${path}`, {
    method: o.method ?? (o.body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await r.text();
  const json = text && r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
  return { status: r.status, headers: r.headers, text, json };
}
const get = async (p: Proc, path: string, token?: string) => {
  const r = await http(p, path, token ? { token } : {});
  if (r.status !== 200) throw new Error(`${p.name} GET ${path}: ${r.status} ${r.text}`);
  return r.json;
};

const reachable = (port: number) =>
  new Promise<boolean>((r) => {
    const c = connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
    c.once('error', () => r(false));
  });

let mosquitto: PrivateMosquitto | undefined;
let broker = process.env['MQTT_URL'] ?? '';
const procs: Record<string, Proc> = {};
let mcp: Client | undefined;

beforeAll(async () => {
  if (!broker && (await reachable(1883))) broker = 'mqtt://127.0.0.1:1883';
  if (!broker) broker = (mosquitto = await PrivateMosquitto.start()).url;
}, 60_000);
afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await killAll();
  await mosquitto?.down();
  if (process.env['AGENTNET_E2E_KEEP']) console.log(`[operator] kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

const haveMosquitto = !!process.env['MQTT_URL'] || mosquittoAvailable();
if (!haveMosquitto)
  console.warn('[operator] no Mosquitto (MQTT_URL unset, no mosquitto binary): install the Debian package "mosquitto"');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const havePromtool = spawnSync('promtool', ['--version']).status === 0;

const spec = (name: string, config: Record<string, unknown>): ProcSpec => ({
  name,
  dir,
  config: { dataDir: f(name), network, broker, ...config },
});
const cap = (price: number) => ({
  kind: 'capability',
  topic: TOPIC,
  tags: ['data.analysis.sql'],
  text: 'SQL analytics',
  price,
  ttlMs: 3_600_000,
});

describe.runIf(haveMosquitto)('an operator drives a small network of agentnet processes on Mosquitto', () => {
  it('makes an identity with keygen + bind, inspects it, places it in a data directory, and checks the config', async () => {
    for (const k of ['op', 'other-op', 'dave', 'dave2'])
      expect((await cli(['keygen', '--out', f(`${k}.key`)])).code).toBe(0);
    expect(
      (
        await cli([
          'bind',
          '--operator-key',
          f('op.key'),
          '--agent-key',
          f('dave.key'),
          '--days',
          '30',
          '--out',
          f('dave-v1.cbor'),
        ])
      ).code,
    ).toBe(0);
    const ok = await cli(['inspect', '--file', f('dave-v1.cbor')]);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(/verdict: ok \(3 checks passed\)/)]);
    const daveKey = readFileSync(f('dave.key.pub'), 'utf8').trim();
    expect(ok.stdout).toContain(`"agentKey": "${daveKey}"`);
    const flipped = new Uint8Array(readFileSync(f('dave-v1.cbor')));
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    writeFileSync(f('flipped.cbor'), flipped);
    const bad = await cli(['inspect', '--file', f('flipped.cbor')]);
    expect([bad.code, bad.stdout]).toEqual([1, expect.stringMatching(/FAIL agent signature/)]);
    // The externally made identity, placed as README "Identity made by an operator" says.
    mkdirSync(f('dave/identity'), { recursive: true });
    copyFileSync(f('dave.key'), f('dave/identity/agent.key'));
    copyFileSync(f('dave-v1.cbor'), f('dave/identity/binding.cbor'));

    // erin bridges Mosquitto and a UDP mesh; the check of a bridge config probes both (the mesh by erin's beacon).
    const meshPort = await freeUdpPort();
    procs['erin'] = await startProc(spec('erin', { broker: `${broker} udp://127.0.0.1:${meshPort}` }));
    const erin = await get(procs['erin'], '/status');
    expect(erin.link.transport.sides[1]).toMatchObject({ degree: 8 }); // generic-x64's gossipDegree
    writeFileSync(
      f('check.json'),
      JSON.stringify({ network, broker: `${broker} udp://127.0.0.1:0?peers=127.0.0.1:${meshPort}` }),
    );
    const c = await cli(['check', '--config', f('check.json'), '--json'], { AGENTNET_DATA_DIR: f('check-data') });
    const line = (
      JSON.parse(c.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }
    ).checks.find((x) => x.name === 'broker')!;
    expect([line.status, line.detail]).toEqual([
      'ok',
      expect.stringMatching(/^bridge of 2: .*reachable \(TCP.*1\/1 seed peers answered/),
    ]);
  }, 60_000);

  it('starts the nodes; the status page opens with the token; HEAD, //status and metrics answer as an operator expects', async () => {
    [procs['alice'], procs['bob']] = await Promise.all([
      startProc(spec('alice', { apiToken: TOKEN, tasks: { retryMs: 300 } })),
      startProc(spec('bob', { declarations: [cap(1000)], tasks: { retryMs: 300 } })),
    ]);
    procs['dave'] = await startProc(
      spec('dave', { declarations: [cap(1000)], tasks: { worker: 'manual', retryMs: 300 } }),
    );
    const alice = procs['alice']!;
    expect(procs['dave']!.agent).toBe(readFileSync(f('dave.key.pub'), 'utf8').trim());

    expect((await http(alice, '/')).status).toBe(200); // the page shell: no token needed
    expect((await http(alice, '/status')).status).toBe(401);
    const head = await http(alice, '/status', { method: 'HEAD', token: TOKEN });
    expect([head.status, head.text, head.headers.get('content-type')]).toEqual([200, '', 'application/json']);
    expect((await http(alice, '//status', { token: TOKEN })).status).toBe(404);
    if (existsSync(CHROMIUM)) {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${alice.api}/#token=${TOKEN}`);
        await page.waitForFunction((k) => document.getElementById('agent')?.textContent === k, alice.agent, {
          timeout: 15_000,
        });
      } finally {
        await browser.close();
      }
    } else console.warn(`[operator] no Chromium at ${CHROMIUM}: the status page is checked over HTTP only`);

    // `curl …/metrics | promtool check metrics`: curl sends Accept: */*.
    const curl = await http(procs['bob']!, '/metrics', { accept: '*/*' });
    expect(curl.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const scrape = await http(procs['bob']!, '/metrics', {
      accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
    });
    expect(scrape.text.endsWith('# EOF\n')).toBe(true);
    if (havePromtool) {
      const p = spawnSync('promtool', ['check', 'metrics'], { input: curl.text, encoding: 'utf8' });
      expect([p.status, p.stdout + p.stderr]).toEqual([0, '']);
    } else console.warn('[operator] no promtool: install the Debian package "prometheus"');
  }, 90_000);

  it('posts tasks through MCP; both parties count their receipts, and discover ranks the provider worked with first', async () => {
    const [alice, bob, dave] = [procs['alice']!, procs['bob']!, procs['dave']!];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BUNDLE, 'mcp', '--api', alice.api],
      env: { PATH: process.env['PATH'] ?? '', AGENTNET_API_TOKEN: TOKEN },
      stderr: 'ignore',
    });
    mcp = new Client({ name: 'operator-e2e', version: '1.0.0' });
    await mcp.connect(transport);
    const tool = async (name: string, args: Record<string, unknown> = {}) => {
      const r = (await mcp!.callTool({ name, arguments: args })) as {
        isError?: boolean;
        content: Array<{ text: string }>;
        structuredContent?: any;
      };
      if (r.isError) throw new Error(`${name}: ${r.content[0]!.text}`);
      return r.structuredContent;
    };
    await tool('announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
    await until(
      'alice discovers bob and dave',
      async () => {
        const c = (await tool('discover', { tags: ['data.analysis'], topic: TOPIC })).candidates as Array<{
          author: string;
        }>;
        return c.length === 2 || `${c.length} candidates`;
      },
      60_000,
    );
    for (let i = 0; i < 2; i++) {
      const t = await tool('post_task', {
        topic: TOPIC,
        tags: ['data.analysis'],
        text: `job ${i}`,
        budget: 5000,
        bidWindowMs: 1000,
      });
      await until(
        `task ${i} settles on both sides`,
        async () => {
          const [a, b] = [await get(alice, `/tasks/${t.id}`, TOKEN), await get(bob, `/tasks/${t.id}`)];
          return (a.state === 'settled' && b.state === 'settled') || `${a.state}/${b.state}`;
        },
        60_000,
      );
    }
    for (const [p, token] of [
      [alice, TOKEN],
      [bob, undefined],
    ] as const)
      expect((await get(p, '/trust', token)).status.receipts.accepted).toBe(2);
    // dave announced after bob and is semantically equal: without trust he would come first.
    await until(
      'alice ranks bob first by trust',
      async () => {
        const c = (await get(alice, `/discover?tags=data.analysis&topic=${TOPIC}`, TOKEN)).candidates as Array<{
          author: string;
          trust: number;
        }>;
        return (
          (c[0]?.author === bob.agent && c[0].trust > c[1]!.trust) ||
          c.map((x) => `${x.author.slice(0, 8)}:${x.trust}`).join(' ')
        );
      },
      60_000,
    );
    expect(dave.agent).not.toBe(bob.agent);
  }, 150_000);

  it('a bid is revised until the window closes; later steps the state does not allow are 409', async () => {
    const [alice, dave] = [procs['alice']!, procs['dave']!];
    const t = (
      await http(alice, '/tasks', {
        token: TOKEN,
        body: {
          topic: TOPIC,
          tags: ['data.analysis'],
          text: 'job 3',
          budget: 5000,
          bidWindowMs: 4000,
          deliverWindowMs: 20_000,
          settleWindowMs: 20_000,
        },
      })
    ).json;
    await until(
      'dave is invited',
      async () => (await http(dave, `/tasks/${t.id}`)).status === 200 || 'not yet',
      30_000,
    );
    const early = await http(dave, `/tasks/${t.id}/deliver`, { body: { artefact: 'too early' } });
    expect([early.status, early.json.error.code]).toEqual([409, 'CONFLICT']);
    expect((await http(dave, `/tasks/${t.id}/bid`, { body: { price: 1500 } })).json.state).toBe('bidding');
    expect((await http(dave, `/tasks/${t.id}/bid`, { body: { price: 900 } })).json).toMatchObject({
      myBid: 900,
      myBids: [1500, 900],
    });
    await until(
      'dave is awarded at his revised price',
      async () => (await get(dave, `/tasks/${t.id}`)).state === 'awarded' || 'not yet',
      30_000,
    );
    expect((await get(alice, `/tasks/${t.id}`, TOKEN)).price).toBe(900); // bob bid 1000
    expect((await http(dave, `/tasks/${t.id}/bid`, { body: { price: 800 } })).status).toBe(409);
    expect((await http(dave, `/tasks/${t.id}/deliver`, { body: { artefact: 'LGTM' } })).json.state).toBe('delivering');
    await until('settled', async () => (await get(dave, `/tasks/${t.id}`)).state === 'settled' || 'not yet', 30_000);
    expect((await http(alice, `/tasks/${t.id}/rate`, { token: TOKEN, body: { outcome: 1 } })).status).toBe(409);
  }, 90_000);

  it('rotation: rotate refuses another operator; the rotated key placed and restarted retires the old one on peers', async () => {
    const alice = procs['alice']!;
    const old = procs['dave']!.agent;
    const wrong = await cli([
      'rotate',
      '--operator-key',
      f('other-op.key'),
      '--previous',
      f('dave-v1.cbor'),
      '--agent-key',
      f('dave2.key'),
      '--out',
      f('wrong.cbor'),
    ]);
    expect([wrong.code, existsSync(f('wrong.cbor'))]).toEqual([2, false]);
    expect(wrong.stderr).toMatch(/operator key is not the one that signed the previous binding/);
    expect(
      (
        await cli([
          'rotate',
          '--operator-key',
          f('op.key'),
          '--previous',
          f('dave-v1.cbor'),
          '--agent-key',
          f('dave2.key'),
          '--out',
          f('dave-v2.cbor'),
        ])
      ).code,
    ).toBe(0);
    await stopProc(procs['dave']!);
    copyFileSync(f('dave2.key'), f('dave/identity/agent.key'));
    copyFileSync(f('dave-v2.cbor'), f('dave/identity/binding.cbor'));
    procs['dave'] = await startProc(spec('dave', { declarations: [cap(1000)], tasks: { worker: 'manual' } }));
    const now = procs['dave'].agent;
    expect(now).toBe(readFileSync(f('dave2.key.pub'), 'utf8').trim());
    await until(
      'alice verifies the new key',
      async () => (await get(alice, `/verify/${now}`, TOKEN)).tier === 2 || 'not yet',
      60_000,
    );
    expect(await get(alice, `/verify/${old}`, TOKEN)).toMatchObject({ known: true, tier: 0 });
    const peers = (await get(alice, '/peers', TOKEN)).peers as Array<{ agent: string; version: number; tier: number }>;
    expect(peers.find((p) => p.agent === now)).toMatchObject({ version: 2, tier: 2 });
    expect(peers.find((p) => p.agent === old)).toMatchObject({ version: 1, tier: 0 });
    await until(
      'alice lists the new key, never the old',
      async () => {
        const c = (
          (await get(alice, `/discover?tags=data.analysis&topic=${TOPIC}`, TOKEN)).candidates as Array<{
            author: string;
          }>
        ).map((x) => x.author);
        return (c.includes(now) && !c.includes(old)) || c.map((x) => x.slice(0, 8)).join(' ');
      },
      60_000,
    );
  }, 120_000);
});
