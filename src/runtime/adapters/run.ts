// One run of a work adapter (docs/adapters.md; tables in src/core/api/adapters.ts): the task's JSON in, bytes out,
// within the adapter's timeout and output limit. Every failure is an AdapterError with a failure from the
// closed set ADAPTER_FAILURES and a message naming the command or URL and the cause.
//
//  exec    spawn(command, args) with no shell, in `cwd`, with PATH/HOME/LANG/TZ of the node plus `env`; the
//          input on stdin, the result on stdout; exit 0 is success. On timeout or oversize the process
//          group is killed (SIGKILL), so a shell script's children go too.
//  http    POST input (application/json); a 2xx response body is the result.
//  openai  POST {model, messages: [system, user]} to baseUrl/chat/completions; choices[0].message.content.
//  mcp     starts the server over stdio (the SDK's client), calls `tool`, joins the text of its content.

import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AdapterError } from '../errors.js';

export interface RunLimits {
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
}

/** Children of exec and mcp runs still alive: killed when the node stops. */
const live = new Set<ChildProcess>();

export function killAll(): void {
  for (const c of live) killGroup(c);
}

function killGroup(c: ChildProcess): void {
  try {
    if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
  } catch {
    c.kill('SIGKILL');
  }
}

/** The environment a command gets: a few of the node's, plus the adapter's own. */
export function commandEnv(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'TZ']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return { ...env, ...extra };
}

export function runExec(
  o: { command: string; args: readonly string[]; cwd: string; env?: Readonly<Record<string, string>> },
  input: Uint8Array,
  l: RunLimits,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    const what = `command ${JSON.stringify(o.command)}`;
    try {
      // detached: its own process group, so a timeout kills what it started too.
      child = spawn(o.command, [...o.args], {
        cwd: o.cwd,
        env: commandEnv(o.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (e) {
      return reject(new AdapterError('spawn', `cannot start ${what}: ${(e as Error).message}`));
    }
    live.add(child);
    const out: Buffer[] = [];
    let n = 0;
    let errTail = '';
    let done = false;
    const finish = (e: AdapterError | undefined, kill: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (kill) killGroup(child);
      live.delete(child);
      if (e) reject(e);
      else resolve(new Uint8Array(Buffer.concat(out)));
    };
    const timer = setTimeout(
      () => finish(new AdapterError('timeout', `${what} gave no result within ${l.timeoutMs} ms (killed)`), true),
      l.timeoutMs,
    );
    child.stdout!.on('data', (b: Buffer) => {
      n += b.length;
      if (n > l.maxOutputBytes)
        return finish(
          new AdapterError('oversize', `${what} wrote more than ${l.maxOutputBytes} bytes to stdout (killed)`),
          true,
        );
      out.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      errTail = (errTail + b.toString('utf8')).slice(-500);
    });
    child.on('error', (e) => finish(new AdapterError('spawn', `cannot start ${what}: ${e.message}`), false));
    child.on('close', (code, signal) => {
      if (code === 0) return finish(undefined, false);
      const how = code !== null ? `exited with status ${code}` : `was killed by ${signal}`;
      finish(new AdapterError('exit', `${what} ${how}${errTail.trim() ? `: ${errTail.trim()}` : ''}`), false);
    });
    child.stdin!.on('error', () => undefined); // a command that does not read its input is not a failure
    child.stdin!.end(input);
  });
}

/** POST of JSON with a timeout and a limit on the response body; the error names the URL and the cause. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Readonly<Record<string, string>>,
  l: RunLimits,
  responseLimit = l.maxOutputBytes,
): Promise<{ status: number; body: Uint8Array; contentType: string }> {
  const signal = AbortSignal.timeout(l.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (e) {
    throw fetchError(url, e, l);
  }
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    const reader = res.body?.getReader();
    for (;;) {
      if (!reader) break;
      const r = await reader.read();
      if (r.done) break;
      n += r.value.length;
      if (n > responseLimit) {
        await reader.cancel().catch(() => undefined);
        throw new AdapterError('oversize', `POST ${url}: response larger than ${responseLimit} bytes`);
      }
      chunks.push(r.value);
    }
  } catch (e) {
    if (e instanceof AdapterError) throw e;
    throw fetchError(url, e, l);
  }
  const bytes = new Uint8Array(Buffer.concat(chunks));
  if (res.status < 200 || res.status > 299) {
    const text = Buffer.from(bytes).toString('utf8').slice(0, 300).trim();
    throw new AdapterError('status', `POST ${url}: HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }
  return { status: res.status, body: bytes, contentType: res.headers.get('content-type') ?? '' };
}

function fetchError(url: string, e: unknown, l: RunLimits): AdapterError {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return new AdapterError('timeout', `POST ${url}: no response within ${l.timeoutMs} ms`);
  const cause = err.cause ? `${err.cause.code ?? ''} ${err.cause.message ?? ''}`.trim() : err.message;
  return new AdapterError('unreachable', `POST ${url}: ${cause || 'fetch failed'}`);
}

/** An OpenAI-compatible chat completion: the reply's text. */
export async function chat(
  o: {
    baseUrl: string;
    model: string;
    system?: string;
    user: string;
    apiKey?: string;
    maxTokens?: number;
    temperature?: number;
  },
  l: RunLimits,
): Promise<string> {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const res = await postJson(
    url,
    {
      model: o.model,
      messages: [...(o.system ? [{ role: 'system', content: o.system }] : []), { role: 'user', content: o.user }],
      stream: false,
      ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    },
    o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {},
    l,
    // The reply's JSON carries the content escaped plus metadata: room for both.
    l.maxOutputBytes * 6 + 65_536,
  );
  let j: { choices?: Array<{ message?: { content?: unknown } }> };
  try {
    j = JSON.parse(Buffer.from(res.body).toString('utf8')) as typeof j;
  } catch {
    throw new AdapterError('malformed', `POST ${url}: the reply is not JSON`);
  }
  const content = j?.choices?.[0]?.message?.content;
  if (typeof content !== 'string')
    throw new AdapterError('malformed', `POST ${url}: the reply has no choices[0].message.content string`);
  if (Buffer.byteLength(content) > l.maxOutputBytes)
    throw new AdapterError('oversize', `POST ${url}: the reply's content is over ${l.maxOutputBytes} bytes`);
  return content;
}

/** Replaces "{field}" strings of an MCP tool's argument template by the task's fields. */
export function fillArguments(template: unknown, task: Readonly<Record<string, unknown>>): unknown {
  if (typeof template === 'string') {
    const whole = /^\{(\w+)\}$/.exec(template);
    if (whole && whole[1]! in task) return task[whole[1]!];
    return template.replace(/\{(\w+)\}/g, (m, k: string) =>
      k in task ? (typeof task[k] === 'string' ? (task[k] as string) : JSON.stringify(task[k])) : m,
    );
  }
  if (Array.isArray(template)) return template.map((x) => fillArguments(x, task));
  if (typeof template === 'object' && template !== null)
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillArguments(v, task)]));
  return template;
}

/** Calls a tool of an MCP server started over stdio for this run; the joined text of its content. */
export async function callMcpTool(
  o: {
    command: string;
    args: readonly string[];
    cwd: string;
    env?: Readonly<Record<string, string>>;
    tool: string;
    arguments: Record<string, unknown>;
  },
  l: RunLimits,
): Promise<string> {
  const what = `MCP server ${JSON.stringify(o.command)} tool ${JSON.stringify(o.tool)}`;
  const transport = new StdioClientTransport({
    command: o.command,
    args: [...o.args],
    cwd: o.cwd,
    env: commandEnv(o.env),
    stderr: 'pipe',
  });
  let errTail = '';
  transport.stderr?.on('data', (b: Buffer) => {
    errTail = (errTail + b.toString('utf8')).slice(-300);
  });
  const client = new Client({ name: 'agentnet-worker', version: '0.1.0' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AdapterError('timeout', `${what}: no result within ${l.timeoutMs} ms`)),
      l.timeoutMs,
    );
  });
  try {
    try {
      await Promise.race([client.connect(transport), timeout]);
    } catch (e) {
      if (e instanceof AdapterError) throw e;
      const m = (e as Error).message;
      throw new AdapterError(
        'spawn',
        `${what}: cannot start or initialise (${m}${errTail ? `; ${errTail.trim()}` : ''})`,
      );
    }
    let r: { isError?: boolean; content?: unknown; structuredContent?: unknown };
    try {
      r = (await Promise.race([
        client.callTool({ name: o.tool, arguments: o.arguments }, undefined, { timeout: l.timeoutMs }),
        timeout,
      ])) as typeof r;
    } catch (e) {
      if (e instanceof AdapterError) throw e;
      throw new AdapterError('tool_error', `${what}: ${(e as Error).message}`);
    }
    const content = Array.isArray(r.content) ? (r.content as Array<{ type?: string; text?: unknown }>) : [];
    const text = content
      .filter((c) => c.type === 'text' && typeof c.text === 'string')
      .map((c) => c.text as string)
      .join('\n');
    if (r.isError) throw new AdapterError('tool_error', `${what} answered an error: ${text.slice(0, 300)}`);
    const result = text || (r.structuredContent !== undefined ? JSON.stringify(r.structuredContent) : '');
    if (!result) throw new AdapterError('malformed', `${what}: the result has no text content`);
    if (Buffer.byteLength(result) > l.maxOutputBytes)
      throw new AdapterError('oversize', `${what}: the result is over ${l.maxOutputBytes} bytes`);
    return result;
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

/** A score 0..1000 from a rater's output: a bare integer, or JSON with an integer `score`. */
export function parseScore(text: string, from: string): number {
  const t = text.trim();
  let n: unknown = /^\d+$/.test(t) ? Number(t) : undefined;
  if (n === undefined) {
    // An LLM judge may wrap its JSON in prose or a code fence: the first {...} with a score.
    const m = /\{[^{}]*"score"[^{}]*\}/.exec(t);
    try {
      n = (JSON.parse(m ? m[0] : t) as { score?: unknown }).score;
    } catch {
      n = undefined;
    }
  }
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1000)
    throw new AdapterError(
      'malformed',
      `${from}: a rating must be an integer 0..1000 or {"score": 0..1000}, got ${JSON.stringify(t.slice(0, 80))}`,
    );
  return n;
}
