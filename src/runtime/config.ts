// Node configuration: built-in defaults < config file (JSON) < environment < command-line flags.
// Every field is validated here; a bad value is a CONFIG_INVALID error naming the field and source.
//
//   field          env                  flag          default
//   dataDir        AGENTNET_DATA_DIR    --data        ./.data/node
//   network        AGENTNET_NETWORK     --network     "default"
//   broker         AGENTNET_BROKER      --broker      (none: start an embedded broker on a free port)
//                  mqtt://, nats://, udp://HOST:PORT?peers=h:p,h:p (LAN mesh), memory://; several URLs
//                  separated by spaces make the node a bridge between those networks; several servers
//                  in one URL separated by commas (mqtt://h1:1883,h2:1883, nats://h1:4222,h2:4222)
//                  are one link with failover (docs/transports.md)
//   profile        AGENTNET_PROFILE     --profile     "generic-x64"
//   apiHost        AGENTNET_API_HOST    --api-host    127.0.0.1
//   apiPort        AGENTNET_API_PORT    --api-port    0 (a free port; the chosen one is logged)
//   apiToken       AGENTNET_API_TOKEN   -             (none) bearer token for the API; required when
//                                                     apiHost is not loopback (no flag: argv is visible in ps)
//   logLevel       AGENTNET_LOG_LEVEL   --log-level   info
//   follow         -                    --follow T    []  topics to follow besides those of intents
//   declarations   -                    -             []  announced at start unless an identical one is live
//                                                     (the local API's request table: core/api/requests.ts)
//   operators      -                    -             []  accepted operator keys (hex); [] = any
//   tasks          -                    -             {worker: "auto", rate: "auto", price: 1000, grant: 100000,
//                                                     retryMs: 1000, bidWindowMs: 60000, deliverWindowMs: 600000,
//                                                     settleWindowMs: 600000}  task policy (src/runtime/tasks.ts);
//                                                     money in milli-credits; worker and rate: "auto", "manual"
//                                                     or the name of an adapter
//   adapters       -                    -             {}  named work adapters (exec, http, openai, mcp, a2a, manual):
//                                                     tables in src/core/api/adapters.ts, docs/adapters.md
//   embedder       -                    -             (none) {baseUrl, model, apiKey|apiKeyFile, timeoutMs, ...}:
//                                                     OpenAI-compatible /embeddings for free-text discovery
//                                                     (EMBEDDER_SPEC in src/core/api/adapters.ts)

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_LIMITS, TOPIC_RE } from '../core/codec/limits.js';
import { validateAdapter, validateEmbedder, type AdapterConfig, type EmbedderConfig } from '../core/api/adapters.js';
import { ANNOUNCE, MAX_WINDOW_MS, validate } from '../core/api/requests.js';
import { FieldError } from '../core/codec/schema.js';
import { ERR } from './errors.js';
import type { Declaration } from '../core/types.js';
import type { Level } from './logger.js';
import { DEFAULT_TASKS, type TaskConfig } from './task-defaults.js';
import { parseServerList } from './transport/servers.js';

export interface NodeConfig {
  readonly dataDir: string;
  readonly network: string;
  readonly broker?: string;
  readonly profile: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly apiToken?: string;
  readonly logLevel: Level;
  readonly follow: readonly string[];
  readonly declarations: readonly Declaration[];
  readonly operators: readonly string[];
  readonly tasks: TaskConfig;
  readonly adapters: Readonly<Record<string, AdapterConfig>>;
  readonly embedder?: EmbedderConfig;
}

export const DEFAULT_CONFIG: NodeConfig = {
  dataDir: './.data/node',
  network: 'default',
  profile: 'generic-x64',
  apiHost: '127.0.0.1',
  apiPort: 0,
  logLevel: 'info',
  follow: [],
  declarations: [],
  operators: [],
  tasks: DEFAULT_TASKS,
  adapters: {},
};

const ENV: Record<string, keyof NodeConfig> = {
  AGENTNET_DATA_DIR: 'dataDir',
  AGENTNET_NETWORK: 'network',
  AGENTNET_BROKER: 'broker',
  AGENTNET_PROFILE: 'profile',
  AGENTNET_API_HOST: 'apiHost',
  AGENTNET_API_PORT: 'apiPort',
  AGENTNET_API_TOKEN: 'apiToken',
  AGENTNET_LOG_LEVEL: 'logLevel',
};

function bad(source: string, field: string, why: string): never {
  throw ERR.configInvalid(`${source}: "${field}" ${why}`);
}

/** A declaration of the file: the local API's request table (core/api/requests.ts), with the default limits
 *  (startNode checks them again with the profile's, which may be lower). */
function checkDeclaration(d: unknown, source: string, i: number): Declaration {
  try {
    return validate(ANNOUNCE, d, DEFAULT_LIMITS, `declarations[${i}].`) as unknown as Declaration;
  } catch (e) {
    if (e instanceof FieldError) bad(source, e.field, e.detail);
    throw e;
  }
}

/** The named adapters (src/core/api/adapters.ts tables), with the default limits (startNode caps outputs at the profile's bodyBytes). */
function checkAdapters(v: unknown, source: string): Record<string, AdapterConfig> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    bad(source, 'adapters', 'must be an object of named adapters');
  const out: Record<string, AdapterConfig> = {};
  for (const [name, a] of Object.entries(v as Record<string, unknown>)) {
    if (!/^[a-z0-9_.-]{1,64}$/.test(name) || name === 'auto' || name === 'manual')
      bad(source, `adapters.${name}`, 'needs a name of 1..64 of a-z 0-9 _ . - other than auto and manual');
    try {
      out[name] = validateAdapter(a, DEFAULT_LIMITS, `adapters.${name}.`);
    } catch (e) {
      if (e instanceof FieldError) bad(source, e.field, e.detail);
      throw e;
    }
  }
  return out;
}

/** Every adapter a declaration or `tasks` names is configured. */
export function checkAdapterNames(cfg: NodeConfig, source = 'config'): void {
  const known = (n: string) => n === 'auto' || n === 'manual' || n in cfg.adapters;
  for (const k of ['worker', 'rate'] as const)
    if (!known(cfg.tasks[k]))
      bad(source, `tasks.${k}`, `names no adapter (adapters: ${Object.keys(cfg.adapters).join(', ') || 'none'})`);
  const rateKind = cfg.adapters[cfg.tasks.rate]?.kind;
  if (rateKind === 'mcp' || rateKind === 'a2a') bad(source, 'tasks.rate', `an ${rateKind} adapter cannot rate`);
  cfg.declarations.forEach((d, i) => {
    const a = (d as { adapter?: string }).adapter;
    if (a !== undefined && !known(a)) bad(source, `declarations[${i}].adapter`, `names no adapter in adapters`);
  });
}

function checkTasks(v: unknown, base: TaskConfig, source: string): TaskConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(source, 'tasks', 'must be an object');
  const out: Record<string, unknown> = { ...base };
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'worker' || k === 'rate') {
      // An adapter's name is checked against `adapters` once the whole config is read (loadConfig).
      if (typeof x !== 'string' || !/^[a-z0-9_.-]{1,64}$/.test(x))
        bad(source, `tasks.${k}`, 'must be "auto", "manual" or the name of an adapter');
    } else if (k === 'bidWindowMs' || k === 'deliverWindowMs' || k === 'settleWindowMs') {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_WINDOW_MS)
        bad(source, `tasks.${k}`, `must be an integer 1..${MAX_WINDOW_MS} (ms)`);
    } else if (k === 'price' || k === 'grant') {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > 1e9)
        bad(source, `tasks.${k}`, 'must be an integer 0..1e9 (milli-credits)');
    } else if (k === 'retryMs') {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 10 || x > 600_000)
        bad(source, `tasks.${k}`, 'must be an integer 10..600000');
    } else bad(source, `tasks.${k}`, 'is not a known setting');
    out[k] = x;
  }
  return out as unknown as TaskConfig;
}

/** Validates and merges one layer (a parsed file, env or flags) over `base`. */
export function applyLayer(base: NodeConfig, layer: Record<string, unknown>, source: string): NodeConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(layer)) {
    if (v === undefined) continue;
    switch (k) {
      case 'dataDir':
      case 'profile':
      case 'apiHost':
        if (typeof v !== 'string' || !v) bad(source, k, 'must be a non-empty string');
        out[k] = v;
        break;
      case 'apiToken':
        // At least 16 characters: a short token on a network-facing API is guessable.
        if (typeof v !== 'string' || v.length < 16 || /\s/.test(v))
          bad(source, k, 'must be a string of at least 16 non-space characters');
        out[k] = v;
        break;
      case 'network':
        if (typeof v !== 'string' || !/^[a-z0-9_.-]{1,64}$/.test(v)) bad(source, k, 'must match [a-z0-9_.-]{1,64}');
        out[k] = v;
        break;
      case 'broker':
        if (typeof v !== 'string' || !v.trim())
          bad(source, k, 'must be a URL string (several separated by spaces bridge them)');
        for (const one of v.trim().split(/\s+/)) {
          try {
            parseServerList(one);
          } catch {
            bad(source, k, `is not a URL: ${JSON.stringify(one)}`);
          }
        }
        out[k] = v;
        break;
      case 'apiPort': {
        const n = typeof v === 'string' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535)
          bad(source, k, 'must be a port number 0..65535');
        out[k] = n;
        break;
      }
      case 'logLevel':
        if (!['debug', 'info', 'warn', 'error'].includes(v as string))
          bad(source, k, 'must be debug, info, warn or error');
        out[k] = v;
        break;
      case 'follow':
        if (!Array.isArray(v) || v.some((t) => typeof t !== 'string' || !TOPIC_RE.test(t)))
          bad(source, k, 'must be an array of topic names');
        out[k] = v;
        break;
      case 'declarations':
        if (!Array.isArray(v)) bad(source, k, 'must be an array');
        out[k] = v.map((d, i) => checkDeclaration(d, source, i));
        break;
      case 'operators':
        if (!Array.isArray(v) || v.some((t) => typeof t !== 'string' || !/^[0-9a-f]{64}$/.test(t)))
          bad(source, k, 'must be an array of 64-hex operator keys');
        out[k] = v;
        break;
      case 'tasks':
        out[k] = checkTasks(v, (out[k] as TaskConfig | undefined) ?? DEFAULT_TASKS, source);
        break;
      case 'adapters':
        out[k] = checkAdapters(v, source);
        break;
      case 'embedder':
        try {
          out[k] = validateEmbedder(v, DEFAULT_LIMITS, 'embedder.');
        } catch (e) {
          if (e instanceof FieldError) bad(source, e.field, e.detail);
          throw e;
        }
        break;
      default:
        bad(source, k, 'is not a known setting');
    }
  }
  return out as unknown as NodeConfig;
}

export function loadConfig(opts: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, unknown>;
}): NodeConfig {
  let cfg = DEFAULT_CONFIG;
  if (opts.file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (e) {
      throw ERR.configInvalid(`${opts.file}: cannot read JSON (${(e as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw ERR.configInvalid(`${opts.file}: must be a JSON object`);
    cfg = applyLayer(cfg, raw as Record<string, unknown>, opts.file);
  }
  const env = opts.env ?? process.env;
  const fromEnv: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(ENV))
    if (env[name] !== undefined && env[name] !== '') fromEnv[field] = env[name];
  cfg = applyLayer(cfg, fromEnv, 'environment');
  cfg = applyLayer(cfg, opts.flags ?? {}, 'command line');
  checkAdapterNames(cfg, opts.file ?? 'config');
  return { ...cfg, dataDir: resolve(cfg.dataDir) };
}
