// The parts of openapi.json that come from the request tables (src/core/api/requests.ts): the request
// bodies of announce, withdraw, tasks and the task steps, the queries of discover and the A2A directory, what an
// A2A message may ask (A2aMessageTerms) and the shape of an own declaration. `node scripts/gen-openapi.mjs` writes them into openapi.json; test/unit/requests.test.ts
// fails when the document and the tables differ, so neither can change alone.

import { DEFAULT_LIMITS } from '../../core/codec/limits.js';
import {
  ANNOUNCE,
  A2A_DIRECTORY,
  A2A_MESSAGE,
  BID,
  DECLARATION,
  DELIVER,
  DISCOVER,
  FOLLOW,
  jsonSchemaOf,
  RATE,
  TASK_LIST,
  TASK_POST,
  TASK_WAIT,
  WITHDRAW,
  type RequestSpec,
} from '../../core/api/requests.js';
import { fieldOf } from '../../core/codec/schema.js';
import { ENTRY } from '../../core/codec/entry.js';

const HEX64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const INT = { type: 'integer', minimum: 0 };

/** An own declaration (GET /declarations): where it is in the log, and its whole body as announced. */
function ownDeclaration(): Record<string, unknown> {
  const decl = jsonSchemaOf(DECLARATION, DEFAULT_LIMITS) as { properties: Record<string, unknown> };
  const { ttlMs: _ttl, kind: _kind, topic, key, ...body } = decl.properties;
  const bodyRequired = (DECLARATION.fields as RequestSpec['fields'])
    .filter((f) => !f.optional && !['kind', 'topic'].includes(f.name))
    .map((f) => f.name);
  return {
    type: 'object',
    required: ['id', 'topic', 'epoch', 'seq', 'kind', 'ts', 'expires', ...bodyRequired],
    additionalProperties: false,
    properties: {
      id: { ...HEX64, description: 'the entry id' },
      topic,
      key: { ...(key as object), description: fieldOf(ENTRY, 'key').doc },
      epoch: INT,
      seq: { type: 'integer', minimum: 1 },
      kind: { enum: ['capability', 'intent', 'state', 'constraint'] },
      ts: INT,
      expires: INT,
      ...body,
    },
  };
}

/** A discover-like query's parameters (GET /discover, GET /a2a/agents): its table, tags comma-separated. */
function queryParameters(spec: RequestSpec): unknown[] {
  const s = jsonSchemaOf(spec, DEFAULT_LIMITS) as {
    required: string[];
    properties: Record<string, { description: string } & Record<string, unknown>>;
  };
  return Object.entries(s.properties).map(([name, { description, ...schema }]) => ({
    name,
    in: 'query',
    ...(s.required.includes(name) ? { required: true } : {}),
    schema: name === 'tags' ? { type: 'string', minLength: 1 } : schema,
    description: name === 'tags' ? `comma-separated tags (1..${DEFAULT_LIMITS.maxTags}); ${description}` : description,
  }));
}

export function generatedOpenApiParts(): {
  schemas: Record<string, unknown>;
  discoverParameters: unknown[];
  taskListParameters: unknown[];
  taskWaitParameters: unknown[];
  directoryParameters: unknown[];
} {
  const req = (s: RequestSpec) => jsonSchemaOf(s, DEFAULT_LIMITS);
  return {
    schemas: {
      Declaration: req(ANNOUNCE),
      WithdrawRequest: req(WITHDRAW),
      TaskPost: req(TASK_POST),
      BidRequest: req(BID),
      RateRequest: req(RATE),
      DeliverRequest: req(DELIVER),
      OwnDeclaration: ownDeclaration(),
      FollowRequest: req(FOLLOW),
      A2aMessageTerms: req(A2A_MESSAGE),
    },
    discoverParameters: queryParameters(DISCOVER),
    taskListParameters: queryParameters(TASK_LIST),
    taskWaitParameters: queryParameters(TASK_WAIT),
    directoryParameters: queryParameters(A2A_DIRECTORY),
  };
}
