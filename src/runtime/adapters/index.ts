// The node's work adapters (docs/adapters.md): the config's named adapters (tables: src/core/api/adapters.ts),
// each with its own pool (concurrency, queue, reservations for tasks bid on), used by the task runner
// (src/runtime/tasks.ts) to do a task's work as a worker and to rate an artefact as a requester.
// Counts runs per adapter and result, and a latency histogram, for /metrics.

import { readFileSync } from 'node:fs';
import type { AdapterConfig, AdapterKind } from '../../core/api/adapters.js';
import { ADAPTER_FAILURES, AdapterError, ERR, type AdapterFailure } from '../errors.js';
import { callMcpTool, chat, fillArguments, killAll, parseScore, postJson, runExec, type RunLimits } from './run.js';

/** What a worker adapter gets (the JSON on stdin / in the POST). */
export interface TaskInput {
  readonly id: string;
  readonly topic: string;
  readonly tags: readonly string[];
  readonly text: string;
  readonly budget: number;
  readonly requester: string;
  /** ms since the epoch: deliver before this */
  readonly deadline: number;
}

/** Latency buckets, seconds (an exec script to an LLM on a Pi). */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

export interface AdapterStats {
  readonly name: string;
  readonly kind: AdapterKind;
  readonly running: number;
  readonly waiting: number;
  readonly reserved: number;
  /** per result: `ok` or an AdapterFailure */
  readonly runs: Readonly<Record<string, number>>;
  /** cumulative counts per bucket upper bound (LATENCY_BUCKETS, then +Inf), sum of seconds, count */
  readonly latency: { readonly buckets: readonly number[]; readonly sum: number; readonly count: number };
  /** Runs found unfinished after a restart, per `role result`: result `rerun` (window open) or `expired`. */
  readonly resumed: Readonly<Record<string, number>>;
}

class Pool {
  running = 0;
  readonly waiting: Array<() => void> = [];
  readonly reserved = new Set<string>();
  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}
  hasRoom(): boolean {
    return this.running + this.waiting.length + this.reserved.size < this.concurrency + this.queue;
  }
  async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.reserved.delete(id);
    if (this.running + this.waiting.length >= this.concurrency + this.queue)
      throw new AdapterError('capacity', `all ${this.concurrency} runs busy and ${this.queue} waiting`);
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

interface Entry {
  readonly name: string;
  readonly cfg: AdapterConfig;
  readonly pool: Pool;
  readonly secret: string | undefined;
  readonly runs: Record<string, number>;
  readonly resumed: Record<string, number>;
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** A token or key file of the config, trimmed; unreadable is CONFIG_INVALID naming the field. */
export function readSecret(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw ERR.configInvalid(`${what}: cannot read ${file} (${(e as Error).message})`);
  }
}

export class Adapters {
  private readonly m = new Map<string, Entry>();

  /** `cwd`: where commands run unless their adapter names a directory (the node's data directory). */
  constructor(
    config: Readonly<Record<string, AdapterConfig>>,
    private readonly cwd: string,
    /** The profile's bodyBytes: no artefact may be larger. */
    private readonly maxBytes: number,
  ) {
    for (const [name, cfg] of Object.entries(config)) {
      const file = (cfg['tokenFile'] ?? cfg['apiKeyFile']) as string | undefined;
      this.m.set(name, {
        name,
        cfg,
        pool: new Pool((cfg['concurrency'] as number) ?? 1, (cfg['queue'] as number) ?? 0),
        secret: file ? readSecret(file, `adapters.${name}`) : ((cfg['token'] ?? cfg['apiKey']) as string | undefined),
        runs: Object.fromEntries(['ok', ...ADAPTER_FAILURES].map((r) => [r, 0])),
        resumed: {},
        buckets: LATENCY_BUCKETS.map(() => 0).concat(0),
        sum: 0,
        count: 0,
      });
    }
  }

  has(name: string): boolean {
    return this.m.has(name);
  }
  kind(name: string): AdapterKind | undefined {
    return this.m.get(name)?.cfg.kind;
  }
  names(): string[] {
    return [...this.m.keys()];
  }

  /** Room for one more task (running + waiting + reserved below concurrency + queue). */
  hasRoom(name: string): boolean {
    const e = this.m.get(name);
    return !!e && e.cfg.kind !== 'manual' && e.pool.hasRoom();
  }
  /** Holds a slot for a task we bid on, until it is awarded (run) or lost (release). */
  reserve(name: string, task: string): void {
    this.m.get(name)?.pool.reserved.add(task);
  }
  release(task: string): void {
    for (const e of this.m.values()) e.pool.reserved.delete(task);
  }

  /** The artefact for a task. */
  async work(name: string, t: TaskInput): Promise<Uint8Array> {
    const e = this.entry(name);
    const input = {
      id: t.id,
      topic: t.topic,
      tags: t.tags,
      text: t.text,
      budget: t.budget,
      requester: t.requester,
      deadline: t.deadline,
    };
    return this.measure(e, t.id, async (l) => {
      const c = e.cfg;
      switch (c.kind) {
        case 'exec':
          return runExec(this.execOf(c), new TextEncoder().encode(JSON.stringify(input)), l);
        case 'http':
          return (await postJson(c['url'] as string, input, this.headersOf(e), l)).body;
        case 'openai':
          return new TextEncoder().encode(
            await chat(
              {
                ...this.chatOf(e),
                ...(c['system'] !== undefined ? { system: c['system'] as string } : {}),
                user: t.text,
              },
              l,
            ),
          );
        case 'mcp':
          return new TextEncoder().encode(
            await callMcpTool(
              {
                ...this.execOf(c),
                tool: c['tool'] as string,
                arguments: fillArguments(c['arguments'] ?? { text: '{text}' }, input) as Record<string, unknown>,
              },
              l,
            ),
          );
        case 'a2a': {
          const { callA2a } = await import('./a2a.js');
          const target = {
            url: c['url'] as string,
            ...(c['skill'] !== undefined ? { skill: c['skill'] as string } : {}),
            ...(e.secret ? { token: e.secret } : {}),
          };
          return new TextEncoder().encode(await callA2a(target, t.text, t.id, l));
        }
        default:
          throw new AdapterError('spawn', `adapter ${name} is ${c.kind}: the agent layer delivers`);
      }
    });
  }

  /** A score 0..1000 for an artefact. */
  async rate(name: string, t: TaskInput, artefact: Uint8Array): Promise<number> {
    const e = this.entry(name);
    const text = new TextDecoder().decode(artefact);
    const input = { task: { id: t.id, topic: t.topic, tags: t.tags, text: t.text, budget: t.budget }, artefact: text };
    return this.measure(e, t.id, async (l) => {
      const c = e.cfg;
      const from = `adapter ${name}`;
      switch (c.kind) {
        case 'exec': {
          const out = await runExec(this.execOf(c), new TextEncoder().encode(JSON.stringify(input)), l);
          return parseScore(new TextDecoder().decode(out), `${from} (command ${c['command'] as string})`);
        }
        case 'http': {
          const url = c['url'] as string;
          const r = await postJson(url, input, this.headersOf(e), l);
          return parseScore(new TextDecoder().decode(r.body), `${from} (POST ${url})`);
        }
        case 'openai': {
          const rubric =
            (c['rubric'] as string | undefined) ?? 'The artefact does what the task asks, correctly and completely.';
          const reply = await chat(
            {
              ...this.chatOf(e),
              system:
                `You judge the work of another agent against a rubric.\nRubric: ${rubric}\n` +
                'Answer with only a JSON object {"score": N}, N an integer from 0 (useless) to 1000 (fully satisfies the rubric).',
              user: `Task:\n${t.text}\n\nArtefact:\n${text}`,
            },
            l,
          );
          return parseScore(reply, `${from} (model ${c['model'] as string})`);
        }
        default:
          throw new AdapterError('spawn', `adapter ${name} is ${c.kind}: it cannot rate`);
      }
    });
  }

  stats(): AdapterStats[] {
    return [...this.m.values()].map((e) => ({
      name: e.name,
      kind: e.cfg.kind,
      running: e.pool.running,
      waiting: e.pool.waiting.length,
      reserved: e.pool.reserved.size,
      runs: { ...e.runs },
      latency: { buckets: [...e.buckets], sum: e.sum, count: e.count },
      resumed: { ...e.resumed },
    }));
  }

  /** Counts a run found unfinished after a restart: run again (`rerun`) or its window closed while down (`expired`). */
  resumed(name: string, role: 'work' | 'rate', result: 'rerun' | 'expired'): void {
    const e = this.m.get(name);
    if (e) e.resumed[`${role} ${result}`] = (e.resumed[`${role} ${result}`] ?? 0) + 1;
  }

  /** Kills the commands and MCP servers still running. */
  close(): void {
    killAll();
  }

  // ---------------------------------------------------------------- plumbing

  private entry(name: string): Entry {
    const e = this.m.get(name);
    if (!e) throw new AdapterError('spawn', `no adapter named ${name} in the config`);
    return e;
  }

  private limits(e: Entry): RunLimits {
    return {
      timeoutMs: (e.cfg['timeoutMs'] as number) ?? 120_000,
      maxOutputBytes: Math.min((e.cfg['maxOutputBytes'] as number) ?? this.maxBytes, this.maxBytes),
    };
  }

  private async measure<T>(e: Entry, task: string, fn: (l: RunLimits) => Promise<T>): Promise<T> {
    const run = e.pool.run(task, async () => {
      const t0 = performance.now();
      try {
        const r = await fn(this.limits(e));
        e.runs['ok']!++;
        return r;
      } catch (err) {
        const f: AdapterFailure = err instanceof AdapterError ? err.failure : 'malformed';
        e.runs[f]!++;
        throw err instanceof AdapterError ? err : new AdapterError('malformed', (err as Error).message);
      } finally {
        const s = (performance.now() - t0) / 1000;
        e.sum += s;
        e.count++;
        LATENCY_BUCKETS.forEach((b, i) => {
          if (s <= b) e.buckets[i]!++;
        });
        e.buckets[LATENCY_BUCKETS.length]!++;
      }
    });
    return run.catch((err: unknown) => {
      if (err instanceof AdapterError && err.failure === 'capacity') e.runs['capacity']!++;
      throw err;
    });
  }

  private execOf(c: AdapterConfig) {
    return {
      command: c['command'] as string,
      args: (c['args'] as string[] | undefined) ?? [],
      cwd: (c['cwd'] as string | undefined) ?? this.cwd,
      ...(c['env'] !== undefined ? { env: c['env'] as Record<string, string> } : {}),
    };
  }

  private headersOf(e: Entry): Record<string, string> {
    return {
      accept: '*/*',
      ...((e.cfg['headers'] as Record<string, string> | undefined) ?? {}),
      ...(e.secret ? { authorization: `Bearer ${e.secret}` } : {}),
    };
  }

  private chatOf(e: Entry) {
    const c = e.cfg;
    return {
      baseUrl: c['baseUrl'] as string,
      model: c['model'] as string,
      ...(e.secret ? { apiKey: e.secret } : {}),
      ...(c['maxTokens'] !== undefined ? { maxTokens: c['maxTokens'] as number } : {}),
      ...(c['temperature'] !== undefined ? { temperature: c['temperature'] as number } : {}),
    };
  }
}
