// What a local caller may ask the node to sign, checked before anything is signed: the request tables of
// the local API (POST /announce, /withdraw, /tasks, the task steps, GET /discover), the MCP tools and the
// config file's `declarations`. Every field that reaches the wire takes its type and limits from the
// wire table it lands in (BODY, ENTRY: `wire()` below), so a request the validator accepts encodes to
// objects the decoders accept (test/unit/requests.test.ts and the API property test check it); the
// OpenAPI document and the MCP input schemas are generated from these tables (`jsonSchemaOf`).
// The table format, the validator (`validate`) and `jsonSchemaOf` are in ./request-spec.ts, re-exported here;
// the checks at the end are the ones a table adds on the whole request (body size, sketch fill).

import { SKETCH_ITEMS, sketchItems } from '../gossip/sketch.js';
import { ACCEPT_FIELD } from './accept-request.js';
import { MAX_MONEY, checkMechanism, type Mechanism } from '../market/mechanism.js';
import { ROLES, TRANSITIONS } from '../task/protocol.js';
import { BODY, encodeBody } from '../codec/body.js';
import { ENTRY, KINDS } from '../codec/entry.js';
import { utf8Length } from '../codec/fields.js';
import type { Limits } from '../codec/limits.js';
import { FieldError, fieldOf, type FieldType, type ObjectSpec } from '../codec/schema.js';
import type { JsonType, RequestField, RequestSpec } from './request-spec.js';

export { jsonSchemaOf, validate, type JsonType, type RequestField, type RequestSpec } from './request-spec.js';

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
    ACCEPT_FIELD,
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

// ---------------------------------------------------------------- whole-request checks (body size, sketch fill)

/** Bytes a task's body adds to its tags and text: price, deadline, tier and the terms (a 1 KB mechanism and a
 *  0.6 KB acceptance check, as hex). */
const TASK_EXTRA_BYTES = 3500;

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
