// The request tables of work adapters (docs/adapters.md): what the config file's `adapters` may name, checked by the
// same validator as the local API's requests (core/api/requests.ts `validate`), so the config's refusals read like
// the API's (`adapters.stats.timeoutMs: must be an integer 1..3600000`) and the JSON Schema of each kind is
// generated from the same table (docs/adapters.md, the config's documentation).
//
// An adapter is how a node does a task's work (worker) or judges an artefact (rater):
//   exec    a command; the task as JSON on stdin, the artefact (worker) or the score (rater) on stdout
//   http    a POST of the same JSON to a URL; the response body
//   openai  an OpenAI-compatible chat-completions endpoint (llama.cpp server, Ollama, vLLM, hosted)
//   mcp     a tool of an MCP server started over stdio (worker only)
//   a2a     an existing A2A agent at a URL, through SendMessage (worker only)
//   manual  the agent layer does it through the local API (POST /tasks/{id}/bid, /deliver, /rate)
// Every kind but manual runs with a timeout, an output size limit, a concurrency limit and a queue.

import { FieldError } from '../codec/schema.js';
import { validate, type RequestField, type RequestSpec } from './requests.js';
import type { Limits } from '../codec/limits.js';

export const ADAPTER_KINDS = ['exec', 'http', 'openai', 'mcp', 'a2a', 'manual'] as const;
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

/** An adapter's name, as declarations and tasks refer to it. */
export const ADAPTER_NAME_RE = /^[a-z0-9_-]{1,64}$/;

/** A JSON object whose values are strings (environment, headers). */
const STRING_MAP = (what: string): RequestField['type'] => ({
  t: 'json',
  check: (v) =>
    typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')
      ? `must be an object of ${what} (string values)`
      : Object.keys(v).some((k) => !/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/.test(k))
        ? `must name each of its ${what} with letters, digits, _ . - (at most 128)`
        : undefined,
  schema: { type: 'object', additionalProperties: { type: 'string' } },
});

const ARGS: RequestField = {
  name: 'args',
  type: { t: 'list', of: { t: 'text', maxBytes: 4096 }, maxItems: 64 },
  optional: true,
  default: [],
  doc: 'arguments, passed as they are (no shell)',
};
const COMMAND: RequestField = {
  name: 'command',
  type: { t: 'text', maxBytes: 4096, minBytes: 1 },
  doc: 'the program to run (a path, or a name looked up in PATH)',
};
const CWD: RequestField = {
  name: 'cwd',
  type: { t: 'text', maxBytes: 4096, minBytes: 1 },
  optional: true,
  doc: "working directory (default: the node's data directory)",
};
const ENV: RequestField = {
  name: 'env',
  type: STRING_MAP('environment variables'),
  optional: true,
  doc: 'environment of the command: only PATH, HOME, LANG and TZ are passed from the node, plus these',
};
const URL_FIELD = (doc: string): RequestField => ({
  name: 'url',
  type: { t: 'text', maxBytes: 2048, minBytes: 1 },
  doc,
});
const TOKEN: RequestField = {
  name: 'token',
  type: { t: 'text', maxBytes: 4096, minBytes: 1 },
  optional: true,
  doc: 'bearer token sent as Authorization: Bearer (prefer tokenFile: a config file is often world-readable)',
};
const TOKEN_FILE: RequestField = {
  name: 'tokenFile',
  type: { t: 'text', maxBytes: 4096, minBytes: 1 },
  optional: true,
  doc: 'file holding the bearer token (trailing whitespace removed), read when the node starts',
};

/** What every kind that runs something has: how long, how much, how many at once and waiting. */
const LIMIT_FIELDS: readonly RequestField[] = [
  {
    name: 'timeoutMs',
    type: { t: 'uint', min: 1, max: 3_600_000 },
    optional: true,
    default: 120_000,
    doc: 'a run that takes longer is stopped and fails with `timeout` (default 2 min)',
  },
  {
    name: 'maxOutputBytes',
    type: { t: 'uint', min: 1, max: 'bodyBytes' },
    optional: true,
    doc: "output beyond this fails with `oversize` (default and most: the profile's bodyBytes, an artefact's limit)",
  },
  {
    name: 'concurrency',
    type: { t: 'uint', min: 1, max: 64 },
    optional: true,
    default: 1,
    doc: 'runs at once',
  },
  {
    name: 'queue',
    type: { t: 'uint', max: 1024 },
    optional: true,
    default: 4,
    doc: 'runs waiting for a slot; the worker bids only while running + waiting + tasks it bid on < concurrency + queue',
  },
];

const KIND = (k: AdapterKind): RequestField => ({ name: 'kind', type: { t: 'enum', names: [k] }, doc: 'adapter kind' });

export const ADAPTER_SPECS: Readonly<Record<AdapterKind, RequestSpec>> = {
  exec: {
    name: 'exec adapter',
    fields: [KIND('exec'), COMMAND, ARGS, CWD, ENV, ...LIMIT_FIELDS],
  },
  http: {
    name: 'http adapter',
    fields: [
      KIND('http'),
      URL_FIELD('http:// or https:// URL the task JSON is POSTed to; the response body is the result'),
      { name: 'headers', type: STRING_MAP('HTTP headers'), optional: true, doc: 'extra request headers' },
      TOKEN,
      TOKEN_FILE,
      ...LIMIT_FIELDS,
    ],
    check: (v) => checkEndpoint(v, 'url', 'token', 'tokenFile'),
  },
  openai: {
    name: 'openai adapter',
    fields: [
      KIND('openai'),
      {
        name: 'baseUrl',
        type: { t: 'text', maxBytes: 2048, minBytes: 1 },
        doc: 'the API base, e.g. http://127.0.0.1:8080/v1 (llama.cpp server) or http://127.0.0.1:11434/v1 (Ollama); /chat/completions is appended',
      },
      { name: 'model', type: { t: 'text', maxBytes: 256, minBytes: 1 }, doc: 'model name as the server knows it' },
      {
        name: 'system',
        type: { t: 'text', maxBytes: 16384 },
        optional: true,
        doc: 'system prompt when working (the task text is the user message; the reply is the artefact)',
      },
      {
        name: 'rubric',
        type: { t: 'text', maxBytes: 16384 },
        optional: true,
        doc: 'what a good artefact is, when rating (the judge answers {"score": 0..1000})',
      },
      {
        name: 'maxTokens',
        type: { t: 'uint', min: 1, max: 1_000_000 },
        optional: true,
        doc: 'max_tokens of the request',
      },
      { name: 'temperature', type: { t: 'number', min: 0 }, optional: true, doc: 'sampling temperature' },
      { ...TOKEN, name: 'apiKey', doc: 'API key sent as Authorization: Bearer (prefer apiKeyFile)' },
      { ...TOKEN_FILE, name: 'apiKeyFile', doc: 'file holding the API key, read when the node starts' },
      ...LIMIT_FIELDS,
    ],
    check: (v) => checkEndpoint(v, 'baseUrl', 'apiKey', 'apiKeyFile'),
  },
  mcp: {
    name: 'mcp adapter',
    fields: [
      KIND('mcp'),
      { ...COMMAND, doc: 'the MCP server to start over stdio' },
      ARGS,
      CWD,
      ENV,
      { name: 'tool', type: { t: 'text', maxBytes: 128, minBytes: 1 }, doc: 'the tool to call' },
      {
        name: 'arguments',
        type: {
          t: 'json',
          check: (v) => (typeof v !== 'object' || v === null || Array.isArray(v) ? 'must be a JSON object' : undefined),
          schema: { type: 'object' },
        },
        optional: true,
        default: { text: '{text}' },
        doc: 'the tool\'s arguments; a string "{text}", "{topic}", "{tags}", "{id}", "{budget}" or "{requester}" is replaced by that task field (inside a longer string, by its text). Default {"text": "{text}"}',
      },
      ...LIMIT_FIELDS,
    ],
  },
  a2a: {
    name: 'a2a adapter',
    fields: [
      KIND('a2a'),
      URL_FIELD('http:// or https:// base URL of the A2A agent; its card is at /.well-known/agent-card.json under it'),
      {
        name: 'skill',
        type: { t: 'text', maxBytes: 256, minBytes: 1 },
        optional: true,
        doc: "id of the card's skill that does the work: the card must list it; sent in the message's metadata",
      },
      TOKEN,
      TOKEN_FILE,
      ...LIMIT_FIELDS,
    ],
    check: (v) => checkEndpoint(v, 'url', 'token', 'tokenFile'),
  },
  manual: { name: 'manual adapter', fields: [KIND('manual')] },
};

function checkUrl(s: string, field: string): void {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new FieldError(field, 'must be an absolute http:// or https:// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new FieldError(field, 'must be an absolute http:// or https:// URL');
}

/** An endpoint's URL field is an http(s) URL, and its secret is given inline or by file, not both. */
function checkEndpoint(v: Readonly<Record<string, unknown>>, url: string, secret: string, secretFile: string): void {
  checkUrl(v[url] as string, url);
  if (v[secret] !== undefined && v[secretFile] !== undefined)
    throw new FieldError(secret, `give ${secret} or ${secretFile}, not both`);
}

export type AdapterConfig = { readonly kind: AdapterKind } & Readonly<Record<string, unknown>>;

/** One adapter of the config file, checked against its kind's table (defaults filled in). `at` prefixes field names. */
export function validateAdapter(v: unknown, limits: Limits, at: string): AdapterConfig {
  const kind = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)['kind'] : '';
  if (typeof kind !== 'string' || !(ADAPTER_KINDS as readonly string[]).includes(kind))
    throw new FieldError(`${at}kind`, `must be one of ${ADAPTER_KINDS.join(', ')}`);
  const out = validate(ADAPTER_SPECS[kind as AdapterKind], v, limits, at);
  if (kind !== 'manual' && out['maxOutputBytes'] === undefined) out['maxOutputBytes'] = limits.bodyBytes;
  return out as AdapterConfig;
}

/**
 * The optional embedder port of free-text discovery (config `embedder`, docs/adapters.md "Discovery by
 * meaning"): an OpenAI-compatible POST {baseUrl}/embeddings whose vectors rank candidates by cosine
 * similarity, combined with the BM25 ranking; any failure falls back to BM25 alone.
 */
export const EMBEDDER_SPEC: RequestSpec = {
  name: 'embedder',
  fields: [
    {
      name: 'baseUrl',
      type: { t: 'text', maxBytes: 2048, minBytes: 1 },
      doc: 'the API base, e.g. http://127.0.0.1:8080/v1 (llama-server --embeddings) or http://127.0.0.1:11434/v1 (Ollama); /embeddings is appended',
    },
    {
      name: 'model',
      type: { t: 'text', maxBytes: 256, minBytes: 1 },
      doc: 'embedding model name as the server knows it',
    },
    { ...TOKEN, name: 'apiKey', doc: 'API key sent as Authorization: Bearer (prefer apiKeyFile)' },
    { ...TOKEN_FILE, name: 'apiKeyFile', doc: 'file holding the API key, read when the node starts' },
    {
      name: 'timeoutMs',
      type: { t: 'uint', min: 1, max: 600_000 },
      optional: true,
      default: 5000,
      doc: 'a request that takes longer falls back to BM25 with reason `timeout` (default 5 s)',
    },
    {
      name: 'cacheEntries',
      type: { t: 'uint', min: 1, max: 1_000_000 },
      optional: true,
      default: 4096,
      doc: 'vectors of declaration texts kept, by hash of the text (least recently used dropped first)',
    },
    {
      name: 'weight',
      type: { t: 'number', min: 0 },
      optional: true,
      default: 0.7,
      doc: 'share of the cosine similarity in the score, 0..1; the rest is BM25 relative to the best BM25 score',
    },
    {
      name: 'minSimilarity',
      type: { t: 'number', min: 0 },
      optional: true,
      default: 0.3,
      doc: 'a candidate no query word occurs in is kept only with at least this cosine similarity, 0..1',
    },
  ],
  check: (v) => {
    checkEndpoint(v, 'baseUrl', 'apiKey', 'apiKeyFile');
    for (const k of ['weight', 'minSimilarity'])
      if ((v[k] as number) > 1) throw new FieldError(k, 'must be a number 0..1');
  },
};

export interface EmbedderConfig {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly apiKeyFile?: string;
  readonly timeoutMs: number;
  readonly cacheEntries: number;
  readonly weight: number;
  readonly minSimilarity: number;
}

/** The config file's `embedder`, checked against EMBEDDER_SPEC (defaults filled in). */
export function validateEmbedder(v: unknown, limits: Limits, at: string): EmbedderConfig {
  return validate(EMBEDDER_SPEC, v, limits, at) as unknown as EmbedderConfig;
}
