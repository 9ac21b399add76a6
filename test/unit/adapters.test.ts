// Work adapters against real counterparts (docs/adapters.md): real commands (exec), a real HTTP server (http), an
// OpenAI-compatible server implemented in the tests (openai: no LLM is reachable here, test/openai-compat.ts),
// a real MCP server over stdio (mcp, test/fixtures/mcp-tool-server.mjs); and every failure as its typed
// outcome: timeout, non-zero exit, oversize, malformed reply, unreachable endpoint, capacity. The config
// tables (src/core/api/adapters.ts) refuse bad adapters naming the field.

import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAdapter, type AdapterConfig } from '../../src/core/api/adapters.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { AdapterError } from '../../src/runtime/errors.js';
import { Adapters, type TaskInput } from '../../src/runtime/adapters/index.js';
import { fillArguments, parseScore } from '../../src/runtime/adapters/run.js';
import { loadConfig } from '../../src/runtime/config.js';
import { startOpenAiServer, type OpenAiServer } from '../openai-compat.js';

const ROOT = join(import.meta.dirname, '../..');
const NODE = process.execPath;
const MCP_SERVER = join(ROOT, 'test/fixtures/mcp-tool-server.mjs');
const task = (text: string, id = 'a'.repeat(64)): TaskInput => ({
  id,
  topic: 'data_analysis',
  tags: ['data.analysis.csv'],
  text,
  budget: 5000,
  requester: 'b'.repeat(64),
  deadline: Date.now() + 60_000,
});
const cfg = (a: Record<string, unknown>): AdapterConfig => validateAdapter(a, DEFAULT_LIMITS, 'adapters.x.');
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The failure of a run that must fail. */
async function failure(p: Promise<unknown>): Promise<{ failure: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return { failure: (e as AdapterError).failure, message: (e as Error).message };
  }
  throw new Error('the run succeeded');
}

describe('adapter config tables', () => {
  it('fills defaults and refuses bad fields by name', () => {
    expect(cfg({ kind: 'exec', command: 'node' })).toMatchObject({
      args: [],
      timeoutMs: 120_000,
      concurrency: 1,
      queue: 4,
      maxOutputBytes: DEFAULT_LIMITS.bodyBytes,
    });
    expect(() => cfg({ kind: 'exec' })).toThrow('adapters.x.command: is required');
    expect(() => cfg({ kind: 'exec', command: 'x', timeoutMs: 0 })).toThrow(
      'adapters.x.timeoutMs: must be an integer 1..3600000',
    );
    expect(() => cfg({ kind: 'http', url: 'ftp://x' })).toThrow(
      'adapters.x.url: must be an absolute http:// or https:// URL',
    );
    expect(() => cfg({ kind: 'exec', command: 'x', env: { A: 1 } })).toThrow('adapters.x.env: must be an object');
    expect(() => cfg({ kind: 'shell', command: 'x' })).toThrow(
      'adapters.x.kind: must be one of exec, http, openai, mcp, a2a, manual',
    );
    expect(() => cfg({ kind: 'exec', command: 'x', maxOutputBytes: DEFAULT_LIMITS.bodyBytes + 1 })).toThrow(
      'adapters.x.maxOutputBytes',
    );
  });

  it('the config file names unknown adapters and fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-adapters-cfg-'));
    const write = (o: unknown) => {
      writeFileSync(join(dir, 'c.json'), JSON.stringify(o));
      return () => loadConfig({ file: join(dir, 'c.json'), env: {} });
    };
    expect(
      write({
        adapters: { stats: { kind: 'exec', command: 'node' } },
        tasks: { worker: 'stats', bidWindowMs: 120000 },
      })(),
    ).toMatchObject({
      tasks: { worker: 'stats', bidWindowMs: 120_000, deliverWindowMs: 600_000, settleWindowMs: 600_000 },
    });
    expect(write({ tasks: { rate: 'judge' } })).toThrow('"tasks.rate" names no adapter');
    expect(write({ adapters: { auto: { kind: 'manual' } } })).toThrow('"adapters.auto"');
    expect(write({ adapters: { s: { kind: 'exec', command: 'node', shell: true } } })).toThrow(
      '"adapters.s.shell" is not a field of a exec adapter',
    );
    expect(
      write({
        declarations: [{ kind: 'capability', topic: 't', tags: ['a'], text: 'x', adapter: 'nope' }],
      }),
    ).toThrow('"declarations[0].adapter" names no adapter');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('exec adapter: real commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-adapters-exec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const adapters = (c: Record<string, unknown>) => new Adapters({ x: cfg(c) }, dir, DEFAULT_LIMITS.bodyBytes);

  it('runs a shipped worker: the task on stdin, the artefact on stdout', async () => {
    const a = adapters({ kind: 'exec', command: NODE, args: [join(ROOT, 'examples/workers/csv-stats.mjs')] });
    const out = JSON.parse(dec(await a.work('x', task('stats please\nx,y\n1,10\n2,20\n3,30'))));
    expect(out).toEqual({
      task: 'a'.repeat(64),
      rows: 3,
      columns: {
        x: { count: 3, sum: 6, mean: 2, min: 1, max: 3, sd: 1 },
        y: { count: 3, sum: 60, mean: 20, min: 10, max: 30, sd: 10 },
      },
    });
    expect(a.stats()[0]!.runs['ok']).toBe(1);
    expect(a.stats()[0]!.latency.count).toBe(1);
  });

  it('passes env and cwd, and nothing else of the node environment', async () => {
    process.env['AGENTNET_TEST_SECRET'] = 'leak';
    const a = adapters({
      kind: 'exec',
      command: 'sh',
      args: ['-c', 'echo "$GREETING $(pwd) ${AGENTNET_TEST_SECRET:-none}"'],
      env: { GREETING: 'hi' },
    });
    expect(dec(await a.work('x', task('')))).toBe(`hi ${dir} none\n`);
    delete process.env['AGENTNET_TEST_SECRET'];
  });

  it('a non-zero exit is `exit`, with the end of stderr', async () => {
    const a = adapters({ kind: 'exec', command: 'sh', args: ['-c', 'echo broken input >&2; exit 3'] });
    expect(await failure(a.work('x', task('')))).toEqual({
      failure: 'exit',
      message: 'exit: command "sh" exited with status 3: broken input',
    });
    expect(a.stats()[0]!.runs['exit']).toBe(1);
    // The shipped worker refuses a task without CSV the same way.
    const w = adapters({ kind: 'exec', command: NODE, args: [join(ROOT, 'examples/workers/csv-stats.mjs')] });
    expect((await failure(w.work('x', task('no table here')))).failure).toBe('exit');
  });

  it('a command that runs too long is killed: `timeout`', async () => {
    const pidfile = join(dir, 'slow.pid');
    const a = adapters({
      kind: 'exec',
      command: NODE,
      args: [join(ROOT, 'examples/workers/slow.mjs')],
      env: { SLOW_PIDFILE: pidfile, SLOW_MS: '600000' },
      timeoutMs: 500,
    });
    const f = await failure(a.work('x', task('')));
    expect(f.failure).toBe('timeout');
    expect(f.message).toContain('no result within 500 ms');
    // killed, not left running
    const { readFileSync } = await import('node:fs');
    const pid = Number(readFileSync(pidfile, 'utf8'));
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });

  it('output beyond maxOutputBytes is `oversize`', async () => {
    const a = adapters({ kind: 'exec', command: 'sh', args: ['-c', 'head -c 5000 /dev/zero'], maxOutputBytes: 1000 });
    expect((await failure(a.work('x', task('')))).failure).toBe('oversize');
  });

  it('a command that does not exist is `spawn`', async () => {
    const a = adapters({ kind: 'exec', command: join(dir, 'no-such-program') });
    const f = await failure(a.work('x', task('')));
    expect(f.failure).toBe('spawn');
    expect(f.message).toContain('no-such-program');
  });

  it('concurrency and queue: beyond them a run is refused (`capacity`); the pool reports room', async () => {
    const a = adapters({ kind: 'exec', command: 'sh', args: ['-c', 'sleep 0.3; echo done'], concurrency: 1, queue: 1 });
    expect(a.hasRoom('x')).toBe(true);
    const p1 = a.work('x', task('', '1'.repeat(64)));
    const p2 = a.work('x', task('', '2'.repeat(64))); // waits for the slot
    expect(a.hasRoom('x')).toBe(false);
    expect((await failure(a.work('x', task('', '3'.repeat(64))))).failure).toBe('capacity');
    expect(dec(await p1)).toBe('done\n');
    expect(dec(await p2)).toBe('done\n');
    expect(a.hasRoom('x')).toBe(true);
    a.reserve('x', '4'.repeat(64));
    a.reserve('x', '5'.repeat(64));
    expect(a.hasRoom('x')).toBe(false); // tasks bid on hold their slots
    a.release('4'.repeat(64));
    expect(a.hasRoom('x')).toBe(true);
    expect(a.stats()[0]!.runs).toMatchObject({ ok: 2, capacity: 1 });
  });

  it('an exec rater: the artefact in, a score out; anything else is `malformed`', async () => {
    const r = adapters({ kind: 'exec', command: NODE, args: [join(ROOT, 'examples/raters/csv-stats-check.mjs')] });
    const w = adapters({ kind: 'exec', command: NODE, args: [join(ROOT, 'examples/workers/csv-stats.mjs')] });
    const t = task('x,y\n1,2\n3,5');
    const good = await w.work('x', t);
    expect(await r.rate('x', t, good)).toBe(1000);
    const wrong = new TextEncoder().encode(dec(good).replace('"sum":4', '"sum":5'));
    expect(await r.rate('x', t, wrong)).toBe(500); // one of two columns right
    const bad = adapters({ kind: 'exec', command: 'echo', args: ['very good'] });
    expect((await failure(bad.rate('x', t, good))).failure).toBe('malformed');
  });
});

describe('http adapter: a real HTTP server', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ auth?: string; body: any; header?: string }> = [];
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-adapters-http-'));
  beforeAll(async () => {
    server = createServer((req, res) => {
      const c: Buffer[] = [];
      req.on('data', (b: Buffer) => c.push(b));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(c).toString('utf8') || 'null');
        seen.push({
          body,
          ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
          header: req.headers['x-site'] as string,
        });
        if (req.url === '/work') return res.end(`reversed: ${[...String(body.text)].reverse().join('')}`);
        if (req.url === '/score') return res.end(JSON.stringify({ score: body.artefact.length > 3 ? 700 : 100 }));
        if (req.url === '/fail') {
          res.writeHead(503);
          return res.end('overloaded');
        }
        if (req.url === '/big') return res.end('y'.repeat(10_000));
        if (req.url === '/hang') return; // never answers
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  const adapters = (c: Record<string, unknown>) =>
    new Adapters({ x: cfg({ kind: 'http', ...c }) }, dir, DEFAULT_LIMITS.bodyBytes);

  it('POSTs the task JSON with headers and the token from a file; the body is the artefact', async () => {
    writeFileSync(join(dir, 'token'), 'sekret-token-123\n');
    const a = adapters({ url: `${base}/work`, headers: { 'x-site': 'lab' }, tokenFile: join(dir, 'token') });
    expect(dec(await a.work('x', task('abc')))).toBe('reversed: cba');
    expect(seen.at(-1)).toMatchObject({
      auth: 'Bearer sekret-token-123',
      header: 'lab',
      body: { text: 'abc', budget: 5000 },
    });
    expect(Object.keys(seen.at(-1)!.body).sort()).toEqual([
      'budget',
      'deadline',
      'id',
      'requester',
      'tags',
      'text',
      'topic',
    ]);
  });

  it('rates through a webhook', async () => {
    const a = adapters({ url: `${base}/score` });
    expect(await a.rate('x', task('t'), new TextEncoder().encode('long artefact'))).toBe(700);
  });

  it('an error status is `status` naming the URL; a closed port `unreachable` with its cause; slow `timeout`; big `oversize`', async () => {
    const s = await failure(adapters({ url: `${base}/fail` }).work('x', task('')));
    expect(s).toEqual({ failure: 'status', message: `status: POST ${base}/fail: HTTP 503: overloaded` });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const u = await failure(adapters({ url: `http://127.0.0.1:${port}/x` }).work('x', task('')));
    expect(u.failure).toBe('unreachable');
    expect(u.message).toBe(
      `unreachable: POST http://127.0.0.1:${port}/x: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect((await failure(adapters({ url: `${base}/hang`, timeoutMs: 300 }).work('x', task('')))).failure).toBe(
      'timeout',
    );
    expect((await failure(adapters({ url: `${base}/big`, maxOutputBytes: 100 }).work('x', task('')))).failure).toBe(
      'oversize',
    );
  });
});

describe('openai adapter: an OpenAI-compatible server implemented in the test (no LLM reachable here)', () => {
  let llm: OpenAiServer;
  beforeAll(async () => {
    llm = await startOpenAiServer();
  });
  afterAll(() => llm.close());
  const adapters = (c: Record<string, unknown>) =>
    new Adapters(
      { x: cfg({ kind: 'openai', baseUrl: llm.baseUrl, model: 'qwen2.5-0.5b', ...c }) },
      tmpdir(),
      DEFAULT_LIMITS.bodyBytes,
    );

  it('the system prompt of the capability and the task text as the user message; the reply is the artefact', async () => {
    const a = adapters({ system: 'You count words.', apiKey: 'k-123', maxTokens: 64, temperature: 0 });
    expect(dec(await a.work('x', task('three small words')))).toBe('3 words: THREE SMALL WORDS');
    expect(llm.requests.at(-1)).toMatchObject({
      model: 'qwen2.5-0.5b',
      auth: 'Bearer k-123',
      messages: [
        { role: 'system', content: 'You count words.' },
        { role: 'user', content: 'three small words' },
      ],
      max_tokens: 64,
      temperature: 0,
    });
  });

  it('as judge: the rubric in the system message, the score from its JSON', async () => {
    const a = adapters({ rubric: 'Statistics must be right.' });
    expect(await a.rate('x', task('t'), new TextEncoder().encode('{"mean": 2}'))).toBe(900);
    expect(llm.requests.at(-1)!.messages[0]!.content).toContain('Rubric: Statistics must be right.');
    expect(await a.rate('x', task('t'), new TextEncoder().encode(''))).toBe(0);
  });

  it('malformed replies, error statuses and silence are typed failures', async () => {
    expect((await failure(adapters({ model: 'malformed' }).work('x', task('a')))).message).toBe(
      `malformed: POST ${llm.baseUrl}/chat/completions: the reply has no choices[0].message.content string`,
    );
    expect((await failure(adapters({ model: 'garbage' }).work('x', task('a')))).failure).toBe('malformed');
    expect((await failure(adapters({ model: 'status' }).work('x', task('a')))).failure).toBe('status');
    expect((await failure(adapters({ model: 'slow', timeoutMs: 300 }).work('x', task('a')))).failure).toBe('timeout');
    expect((await failure(adapters({ maxOutputBytes: 5 }).work('x', task('a b c')))).failure).toBe('oversize');
  });
});

describe('mcp adapter: a real MCP server over stdio', () => {
  const adapters = (c: Record<string, unknown>) =>
    new Adapters({ x: cfg({ kind: 'mcp', command: NODE, args: [MCP_SERVER], ...c }) }, ROOT, DEFAULT_LIMITS.bodyBytes);

  it('calls the tool with the task mapped onto its arguments; its text is the artefact', async () => {
    const a = adapters({ tool: 'word_count', arguments: { text: '{text}', topic: 'topic={topic}' } });
    expect(dec(await a.work('x', task('one two three four')))).toBe('4 words (topic topic=data_analysis)');
  });

  it('a tool error, an unknown tool, silence, oversize and a server that does not start are typed failures', async () => {
    expect(await failure(adapters({ tool: 'fail' }).work('x', task('')))).toMatchObject({ failure: 'tool_error' });
    const unknown = await failure(adapters({ tool: 'nope' }).work('x', task('')));
    expect(unknown.failure).toBe('tool_error');
    expect((await failure(adapters({ tool: 'sleep', timeoutMs: 1000 }).work('x', task('')))).failure).toBe('timeout');
    expect(
      (await failure(adapters({ tool: 'big', arguments: { n: 5000 }, maxOutputBytes: 100 }).work('x', task(''))))
        .failure,
    ).toBe('oversize');
    const none = await failure(
      adapters({ command: join(tmpdir(), 'no-such-mcp-server'), tool: 'x' }).work('x', task('')),
    );
    expect(none.failure).toBe('spawn');
  });
});

describe('helpers', () => {
  it('fillArguments maps task fields, whole or inside text', () => {
    expect(
      fillArguments(
        { q: '{text}', tags: '{tags}', n: 3, s: 'in {topic}!', nested: ['{id}'] },
        { text: 'hi', tags: ['a'], topic: 't', id: 'i' },
      ),
    ).toEqual({
      q: 'hi',
      tags: ['a'],
      n: 3,
      s: 'in t!',
      nested: ['i'],
    });
  });
  it('parseScore reads a number or {"score"} and refuses anything else', () => {
    expect(parseScore(' 750\n', 'r')).toBe(750);
    expect(parseScore('{"score": 0}', 'r')).toBe(0);
    expect(parseScore('Verdict:\n```json\n{"score": 420}\n```', 'r')).toBe(420);
    expect(() => parseScore('1001', 'r')).toThrow('malformed');
    expect(() => parseScore('{"score": 1.5}', 'r')).toThrow('malformed');
    expect(() => parseScore('great', 'r')).toThrow('malformed');
  });
});
