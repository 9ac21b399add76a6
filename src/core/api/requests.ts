// What a local caller may ask the node to sign, checked before anything is signed: the request tables of
// the local API (POST /announce, /withdraw, /tasks, the task steps, GET /discover), the MCP tools and the
// config file's `declarations`. Every field that reaches the wire takes its type and limits from the
// wire table it lands in (BODY, ENTRY: `wire()` below), so a request the validator accepts encodes to
// objects the decoders accept (test/unit/requests.test.ts and the API property test check it); the
// OpenAPI document and the MCP input schemas are generated from these tables (`jsonSchemaOf`).
//
// A refusal is a FieldError naming the field as the caller wrote it (`price`, `tags[3]`,
// `declarations[0].topic` in a config file) with the rule in words: `price: must be an integer 0..2^53-1`.

import { SKETCH_ITEMS, sketchItems } from '../gossip/sketch.js';
import { MAX_MONEY, checkMechanism, type Mechanism } from '../market/mechanism.js';
import { ROLES, TRANSITIONS } from '../task/protocol.js';
import { BODY, encodeBody } from '../codec/body.js';
import { ENTRY, KINDS } from '../codec/entry.js';
import { utf8Length } from '../codec/fields.js';
import type { Limits } from '../codec/limits.js';
import {
  FieldError,
  PATTERNS,
  fieldOf,
  limitOf,
  MAX_SAFE,
  showNumber,
  type FieldType,
  type ObjectSpec,
} from '../codec/schema.js';

export type JsonType =
  | Exclude<FieldType, { t: 'version' | 'bytes' | 'map' | 'tuple' }>
  | { readonly t: 'number'; readonly min?: number }
  /** A JSON value checked by code (a mechanism spec): `check` returns why it is refused, or undefined. */
  | {
      readonly t: 'json';
      readonly check: (v: unknown) => string | undefined;
      readonly schema: Readonly<Record<string, unknown>>;
    };

export interface RequestField {
  readonly name: string;
  readonly type: JsonType;
  readonly optional?: boolean;
  readonly default?: unknown;
  readonly doc: string;
}

export interface RequestSpec {
  /** As refusals name it: `is not a field of a declaration`. */
  readonly name: string;
  readonly fields: readonly RequestField[];
  /** Checks of the whole request once every field passed (sizes of what gets encoded). */
  readonly check?: (v: Record<string, unknown>, limits: Limits) => void;
}

/** A request field that lands in a wire field: same type and limits, by construction. */
function wire(spec: ObjectSpec, name: string, over: Partial<RequestField> = {}): RequestField {
  const f = fieldOf(spec, name);
  return { name, type: f.type as JsonType, doc: f.doc, ...(f.optional ? { optional: true } : {}), ...over };
}

/** Longest validity a declaration may ask for: ten years, far inside the wire's 2^53-1 ms. */
export const MAX_TTL_MS = 10 * 365 * 86_400_000;
export const DEFAULT_TTL_MS = 86_400_000;
/** Kinds a caller announces; `withdraw` is its own request. */
export const DECLARABLE = KINDS.filter((k) => k !== 'withdraw');

const TTL: RequestField = {
  name: 'ttlMs',
  type: { t: 'uint', min: 1, max: MAX_TTL_MS },
  optional: true,
  default: DEFAULT_TTL_MS,
  doc: 'validity from now, ms (default 24 h)',
};
const KEY = wire(ENTRY, 'key', {
  optional: true,
  doc: "the declaration's key: (topic, kind, key) is its identity; a new one with the same identity replaces it. Default: the first tag",
});

/** The body fields a declaration sets (BODY minus v and kind, which the request names its own way). */
const BODY_FIELDS = BODY.fields.filter((f) => f.key >= 2).map((f) => wire(BODY, f.name));

export const DECLARATION: RequestSpec = {
  name: 'declaration',
  fields: [
    { name: 'kind', type: { t: 'enum', names: DECLARABLE }, doc: 'what is declared' },
    wire(ENTRY, 'topic'),
    KEY,
    ...BODY_FIELDS,
    TTL,
  ],
  check: (v, limits) => {
    const { kind, tags, text, skills, tools, price, deadline, sla, requiredTier, constraints } = v;
    checkSketchItems(tags);
    checkBodySize({ kind, tags, text, skills, tools, price, deadline, sla, requiredTier, constraints }, 0, limits);
  },
};

/** What the core checks before signing any declaration of its own (withdraws and the node's own state included). */
export const ANY_DECLARATION: RequestSpec = {
  ...DECLARATION,
  fields: DECLARATION.fields.map((f) => (f.name === 'kind' ? { ...f, type: { t: 'enum', names: KINDS } } : f)),
};

/** What POST /announce, the MCP tool `announce` and the config's `declarations` take: a declaration plus the
 *  node-local `adapter` (docs/adapters.md), which the node keeps and strips before the core signs. */
export const ANNOUNCE: RequestSpec = {
  ...DECLARATION,
  fields: [
    ...DECLARATION.fields,
    {
      name: 'adapter',
      type: { t: 'text', maxBytes: 64, pattern: 'key' },
      optional: true,
      doc: "capabilities: the adapter of the node's config (`adapters`) that does this capability's tasks, `auto` or `manual`; local to this node, never signed or sent. Default: the config's tasks.worker",
    },
  ],
};

export const WITHDRAW: RequestSpec = {
  name: 'withdraw request',
  fields: [
    wire(ENTRY, 'topic'),
    {
      ...KEY,
      doc: 'withdraw the declarations with this key (of any kind); without it, every declaration in the topic',
    },
    wire(BODY, 'text', { optional: true, default: '', doc: 'why, free text' }),
  ],
};

/** The task windows' defaults when neither the request nor the config (`tasks`) sets them: minutes, so a
 *  person or an LLM host has time to bid, work and rate. */
export const DEFAULT_WINDOWS = { bidWindowMs: 60_000, deliverWindowMs: 600_000, settleWindowMs: 600_000 } as const;
export const MAX_WINDOW_MS = 86_400_000;
const WINDOW = (name: keyof typeof DEFAULT_WINDOWS, doc: string): RequestField => ({
  name,
  type: { t: 'uint', min: 1, max: MAX_WINDOW_MS },
  optional: true,
  doc: `${doc}, ms (default: the node's config tasks.${name}, built in ${DEFAULT_WINDOWS[name] / 60_000} min)`,
});
const MONEY = { t: 'uint', max: MAX_MONEY } as const;
const TAGS = fieldOf(BODY, 'tags').type as Extract<FieldType, { t: 'list' }>;

export const TASK_POST: RequestSpec = {
  name: 'task',
  fields: [
    wire(ENTRY, 'topic'),
    wire(BODY, 'tags', { type: { ...TAGS, minItems: 1 }, doc: 'capability tags a worker must cover' }),
    wire(BODY, 'text', { optional: true, default: '', doc: "the task's specification" }),
    { name: 'budget', type: MONEY, doc: 'most the requester pays, milli-credits (escrowed)' },
    WINDOW('bidWindowMs', 'bids close this long after posting'),
    WINDOW('deliverWindowMs', 'the awarded worker delivers this long after the bid deadline'),
    WINDOW('settleWindowMs', 'rating and co-signature this long after the delivery deadline'),
    wire(BODY, 'requiredTier', { doc: "tier a bidder must reach (at least the mechanism's and T2)" }),
    {
      name: 'mechanism',
      type: {
        t: 'json',
        check: (m) => {
          if (typeof m !== 'object' || m === null || Array.isArray(m))
            return 'must be a mechanism spec (a JSON object)';
          try {
            return checkMechanism(m as Mechanism);
          } catch {
            return 'must be a mechanism spec (docs/mechanisms.md)';
          }
        },
        schema: { type: 'object' },
      },
      optional: true,
      doc: 'the rules the requester commits to (docs/mechanisms.md); default: lowest bid, paid on delivery, deposit 10% of the budget',
    },
    {
      name: 'rater',
      type: { t: 'text', maxBytes: 64, pattern: 'key' },
      optional: true,
      doc: "who rates the artefact: `auto` (built-in check), `manual` (POST /tasks/{id}/rate) or an adapter of the node's config; local, never sent. Default: the config's tasks.rate",
    },
  ],
  // The task's body also carries its budget, bid deadline, tier and terms (the signed mechanism, hex).
  check: (v, limits) => {
    checkSketchItems(v['tags']);
    checkBodySize({ kind: 'intent', tags: v['tags'], text: v['text'] }, TASK_EXTRA_BYTES, limits);
  },
};

export const BID: RequestSpec = {
  name: 'bid',
  fields: [{ name: 'price', type: MONEY, doc: 'milli-credits, at most the budget' }],
};
export const RATE: RequestSpec = {
  name: 'rating',
  fields: [{ name: 'outcome', type: { t: 'uint', max: 1000 }, doc: '0..1000 (1000 = fully satisfied)' }],
};
export const DELIVER: RequestSpec = {
  name: 'delivery',
  fields: [
    { name: 'artefact', type: { t: 'text', maxBytes: 'bodyBytes' }, optional: true, doc: 'the artefact as UTF-8 text' },
    {
      name: 'artefactBase64',
      type: { t: 'text', maxBytes: 'messageBytes' },
      optional: true,
      doc: 'the artefact as base64',
    },
  ],
  check: (v, limits) => {
    if ((v['artefact'] === undefined) === (v['artefactBase64'] === undefined))
      throw new FieldError('artefact', 'give artefact (text) or artefactBase64, one of them');
    const b64 = v['artefactBase64'];
    if (typeof b64 === 'string') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1)
        throw new FieldError('artefactBase64', 'must be base64');
      const n = Math.floor((b64.replace(/=+$/, '').length * 3) / 4);
      if (n > limits.bodyBytes)
        throw new FieldError('artefactBase64', `must decode to at most ${limits.bodyBytes} bytes`);
    }
  },
};

/** POST /follow and /unfollow: a topic whose headers this node receives (or stops receiving). */
export const FOLLOW: RequestSpec = {
  name: 'follow request',
  fields: [{ ...wire(ENTRY, 'topic'), doc: 'the topic' }],
};

const TASK_STATES = [
  ...new Set([...Object.keys(TRANSITIONS.requester), ...Object.keys(TRANSITIONS.worker)]),
] as readonly string[];

/** GET /tasks's query (list_tasks in MCP). */
export const TASK_LIST: RequestSpec = {
  name: 'task list query',
  fields: [
    { name: 'state', type: { t: 'enum', names: TASK_STATES }, optional: true, doc: 'only tasks in this state' },
    {
      name: 'role',
      type: { t: 'enum', names: ROLES },
      optional: true,
      doc: 'only tasks where this node is requester or worker',
    },
    { ...wire(ENTRY, 'topic'), optional: true, doc: 'only tasks in this topic' },
    {
      name: 'view',
      type: { t: 'enum', names: ['full', 'compact'] },
      optional: true,
      default: 'full',
      doc: 'compact: id, role, state, topic, the first 120 characters of the text, budget, price, outcome, worker, adapter run',
    },
  ],
};

/** GET /tasks/{id}/next's query (wait_task in MCP): a long poll for the task's next state. */
export const TASK_WAIT: RequestSpec = {
  name: 'task wait query',
  fields: [
    {
      name: 'after',
      type: { t: 'enum', names: TASK_STATES },
      optional: true,
      doc: 'answer once the state is another than this one (default: the state when the request arrives)',
    },
    {
      name: 'timeoutMs',
      type: { t: 'uint', max: 120_000 },
      optional: true,
      default: 30_000,
      doc: 'answer after this long at the latest, with changed false (at most 2 min)',
    },
  ],
};

/**
 * What an A2A message (SendMessage, src/runtime/a2a/) asks of the node: the skill it addresses, its text (the
 * message's text and data parts, joined) and the task's terms, which an A2A client may give in the message's
 * metadata under the agentnet extension's URI (docs/a2a.md). The task lands in the skill's topic with its tags,
 * so text and terms take the limits of TASK_POST.
 */
function requestField(spec: RequestSpec, name: string): RequestField {
  const f = spec.fields.find((x) => x.name === name);
  if (!f) throw new RangeError(`requests: ${spec.name} has no field ${name}`);
  return f;
}

export const A2A_MESSAGE: RequestSpec = {
  name: 'A2A message',
  fields: [
    {
      name: 'skill',
      type: { t: 'text', maxBytes: 129, minBytes: 1 },
      optional: true,
      doc: 'the skill addressed, `topic/key` as the Agent Card names it; default: the only skill of the card',
    },
    wire(BODY, 'text', { doc: "the message's text and data parts, joined: the task's specification" }),
    {
      ...requestField(TASK_POST, 'budget'),
      optional: true,
      doc: "most the requester pays, milli-credits; default: the skill's price or 1000",
    },
    requestField(TASK_POST, 'bidWindowMs'),
    requestField(TASK_POST, 'deliverWindowMs'),
    requestField(TASK_POST, 'settleWindowMs'),
    requestField(TASK_POST, 'requiredTier'),
  ],
  check: (v, limits) => {
    if (v['text'] === '') throw new FieldError('text', 'must not be empty: give a text or data part');
    checkBodySize({ kind: 'intent', tags: ['a'], text: v['text'] }, TASK_EXTRA_BYTES, limits);
  },
};

/** GET /discover's query (tags comma-separated there, an array in MCP). */
export const DISCOVER: RequestSpec = {
  name: 'discover query',
  fields: [
    wire(BODY, 'tags', {
      type: { ...TAGS, minItems: 1 },
      optional: true,
      doc: 'a tag matches itself and its dotted children (tags, text or both)',
    }),
    { ...wire(ENTRY, 'topic'), optional: true, doc: 'only this topic (one this node follows)' },
    {
      name: 'text',
      type: { t: 'text', maxBytes: 4096 },
      optional: true,
      doc: 'with tags, ranks by word overlap too; alone, a free-text search: BM25 over the text and tags of the declarations this node holds',
    },
    {
      name: 'minTier',
      type: { t: 'uint', max: 4 },
      optional: true,
      default: 0,
      doc: 'tier this node verified the author to',
    },
    {
      name: 'minTrust',
      type: { t: 'number', min: 0 },
      optional: true,
      doc: 'minimum topic trust, relative (1 = an average identity)',
    },
    {
      name: 'limit',
      type: { t: 'uint', min: 1, max: 500 },
      optional: true,
      default: 20,
      doc: 'most candidates returned',
    },
  ],
  check: (v) => {
    if (v['tags'] === undefined && (typeof v['text'] !== 'string' || !/[\p{L}\p{N}]/u.test(v['text'])))
      throw new FieldError('tags', 'give tags, a text with words, or both');
  },
};

/** GET /a2a/agents' query: a discover query whose tags are optional (without them, every capability held). */
export const A2A_DIRECTORY: RequestSpec = {
  name: 'directory query',
  fields: DISCOVER.fields.map((f) =>
    f.name === 'tags'
      ? { ...f, optional: true, doc: `${f.doc}; default: every capability this node holds` }
      : f.name === 'minTier'
        ? { ...f, default: 2, doc: 'tier this node verified the author to (at least 2: a card carries its binding)' }
        : f,
  ),
};

// ---------------------------------------------------------------- validation

/** Bytes a task's body adds to its tags and text: price, deadline, tier and the terms (a 1 KB mechanism as hex). */
const TASK_EXTRA_BYTES = 2200;

/** The body a request encodes to (plus `extra` bytes it will carry) stays within the profile's bodyBytes. */
function checkBodySize(body: Record<string, unknown>, extra: number, limits: Limits): void {
  const b = Object.fromEntries(Object.entries(body).filter(([, x]) => x !== undefined));
  const n = encodeBody(b as never).length + extra;
  if (n <= limits.bodyBytes) return;
  const big = ['text', 'constraints', 'skills', 'tools', 'sla', 'tags'].sort((x, y) => sizeOf(b[y]) - sizeOf(b[x]))[0]!;
  throw new FieldError(big, `the body would encode to ${n} bytes, over the limit of ${limits.bodyBytes} (bodyBytes)`);
}
/**
 * The tags with their dotted prefixes are at most SKETCH_ITEMS distinct items, so the entry's sketch sets at
 * most MAX_SKETCH_BITS bits: receivers refuse a fuller one (docs/spec/sketch.md "Fill").
 */
function checkSketchItems(tags: unknown): void {
  if (!Array.isArray(tags)) return;
  const n = sketchItems(tags as string[]);
  if (n > SKETCH_ITEMS)
    throw new FieldError(
      'tags',
      `the tags and their dotted prefixes make ${n} distinct items, over the limit of ${SKETCH_ITEMS} (the interest sketch, docs/spec/sketch.md)`,
    );
}

const sizeOf = (x: unknown): number =>
  typeof x === 'string' ? utf8Length(x) : Array.isArray(x) ? x.reduce((s: number, y) => s + sizeOf(y), 0) : 0;

/** A lone UTF-16 surrogate cannot be encoded as UTF-8 (it would be replaced, and read back differently). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkValue(t: JsonType, v: unknown, limits: Limits, path: string): void {
  const no = (why: string): never => {
    throw new FieldError(path, why);
  };
  switch (t.t) {
    case 'uint': {
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      const min = t.min ?? 0;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
        no(`must be an integer ${min}..${showNumber(max)}`);
      return;
    }
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || v < (t.min ?? -Infinity))
        no(`must be a number${t.min !== undefined ? ` >= ${t.min}` : ''}`);
      return;
    case 'enum': {
      const names = enumNames(t);
      if (typeof v !== 'string' || !names.includes(v)) no(`must be one of ${names.join(', ')}`);
      return;
    }
    case 'text': {
      if (typeof v !== 'string') no('must be a string');
      const s = v as string;
      if (LONE_SURROGATE.test(s)) no('must be valid Unicode text (it has a lone surrogate)');
      const max = limitOf(t.maxBytes, limits);
      if (utf8Length(s) > max) no(`must be at most ${max} bytes of UTF-8`);
      if (utf8Length(s) < (t.minBytes ?? 0)) no(`must be at least ${t.minBytes} bytes`);
      if (t.pattern && !PATTERNS[t.pattern].re.test(s)) no(`must be ${PATTERNS[t.pattern].says}`);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') no('must be true or false');
      return;
    case 'list': {
      if (!Array.isArray(v)) no('must be an array');
      const a = v as unknown[];
      const max = limitOf(t.maxItems, limits);
      if (a.length > max) no(`must have at most ${max} items`);
      if (a.length < (t.minItems ?? 0)) no(`must have at least ${t.minItems} item${t.minItems === 1 ? '' : 's'}`);
      a.forEach((x, i) => checkValue(t.of as JsonType, x, limits, `${path}[${i}]`));
      return;
    }
    case 'json': {
      const why = t.check(v);
      if (why) no(why);
      return;
    }
  }
}

const enumNames = (t: Extract<FieldType, { t: 'enum' }>): string[] =>
  t.names.filter((n, i) => n !== '' && i >= (t.first ?? 0));

/**
 * Checks a request against its table: every field known, present when required, of its type and within
 * its limits (those of `limits`: the profile in force). Returns the request with defaults filled in;
 * throws a FieldError naming the first bad field (`at` prefixes the name, e.g. `declarations[0].`).
 */
export function validate(spec: RequestSpec, v: unknown, limits: Limits, at = ''): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new FieldError(at ? at.replace(/\.$/, '') : '(body)', `must be a JSON object (a ${spec.name})`);
  const r = v as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!spec.fields.some((f) => f.name === k))
      throw new FieldError(
        `${at}${k}`,
        `is not a field of a ${spec.name} (fields: ${spec.fields.map((f) => f.name).join(', ')})`,
      );
  const out: Record<string, unknown> = { ...r };
  for (const f of spec.fields) {
    const x = r[f.name];
    if (x === undefined) {
      if (!f.optional) throw new FieldError(`${at}${f.name}`, 'is required');
      if (f.default !== undefined) out[f.name] = f.default;
      continue;
    }
    checkValue(f.type, x, limits, `${at}${f.name}`);
  }
  try {
    spec.check?.(out, limits);
  } catch (e) {
    if (e instanceof FieldError && at) throw new FieldError(`${at}${e.field}`, e.detail);
    throw e;
  }
  return out;
}

// ---------------------------------------------------------------- JSON Schema (OpenAPI, MCP)

function schemaOf(t: JsonType, limits: Limits): Record<string, unknown> {
  switch (t.t) {
    case 'uint': {
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      return { type: 'integer', minimum: t.min ?? 0, maximum: max };
    }
    case 'number':
      return { type: 'number', ...(t.min !== undefined ? { minimum: t.min } : {}) };
    case 'enum':
      return { enum: enumNames(t) };
    case 'text':
      return {
        type: 'string',
        ...(t.minBytes ? { minLength: 1 } : {}),
        // JSON Schema counts characters; the limit is UTF-8 bytes (at least one per character).
        maxLength: limitOf(t.maxBytes, limits),
        ...(t.pattern ? { pattern: PATTERNS[t.pattern].re.source } : {}),
      };
    case 'bool':
      return { type: 'boolean' };
    case 'list':
      return {
        type: 'array',
        items: schemaOf(t.of as JsonType, limits),
        ...(t.minItems ? { minItems: t.minItems } : {}),
        maxItems: limitOf(t.maxItems, limits),
      };
    case 'json':
      return { ...t.schema };
  }
}

/**
 * The JSON Schema (2020-12, OpenAPI 3.1's dialect) of a request table with the limits of `limits`.
 * `omit` leaves fields out (an MCP tool that does not offer them). Text limits are UTF-8 bytes: the
 * schema's maxLength (characters) is the bound they imply, the description says bytes.
 */
export function jsonSchemaOf(spec: RequestSpec, limits: Limits, omit: readonly string[] = []): Record<string, unknown> {
  const fields = spec.fields.filter((f) => !omit.includes(f.name));
  const properties: Record<string, unknown> = {};
  for (const f of fields) {
    const bytes = f.type.t === 'text' ? ` (at most ${limitOf(f.type.maxBytes, limits)} bytes of UTF-8)` : '';
    properties[f.name] = {
      ...schemaOf(f.type, limits),
      ...(f.default !== undefined ? { default: f.default } : {}),
      description: f.doc + bytes,
    };
  }
  return {
    type: 'object',
    required: fields.filter((f) => !f.optional).map((f) => f.name),
    properties,
    additionalProperties: false,
  };
}
