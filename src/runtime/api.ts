// Local HTTP/JSON API for the agent layer (DESIGN §9), loopback only by default.
//
//   GET  /status                       node status (counters, peers, links)
//   POST /announce   {kind, topic, tags, text, ttlMs?, ...}  -> {id, seq, bodyHash}
//   GET  /discover?tags=a,b&topic=t&text=..&minTier=2&limit=20  -> {candidates: [...]}
//
// Errors are JSON `{"error": {"code": "...", "message": "..."}}` with a stable code:
// BAD_REQUEST (400), NOT_FOUND (404), METHOD_NOT_ALLOWED (405), PAYLOAD_TOO_LARGE (413),
// STORE_FULL (507), INTERNAL (500).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AgentnetError } from '../core/errors.js';
import { applyLayer, DEFAULT_CONFIG } from './config.js';
import type { AgentNode } from './node.js';

/** What the API needs of a node. */
export type ApiNode = Pick<AgentNode, 'logger' | 'status' | 'announceGrouped' | 'discover'>;

const MAX_BODY = 128 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'request body is not JSON');
  }
}

export async function startApi(node: ApiNode, host: string, port: number): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(node, req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return send(res, e.status, { error: { code: e.code, message: e.message } });
      if (e instanceof AgentnetError && e.code === 'STORE_FULL') return send(res, 507, { error: { code: e.code, message: e.message } });
      if (e instanceof AgentnetError && e.code === 'CONFIG_INVALID') return send(res, 400, { error: { code: 'BAD_REQUEST', message: e.message } });
      if (e instanceof TypeError || e instanceof RangeError) return send(res, 400, { error: { code: 'BAD_REQUEST', message: e.message } });
      node.logger.log('error', 'api handler failed', { err: String(e) });
      send(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return { server, port: actual, close: () => new Promise((r) => server.close(() => r())) };
}

async function handle(node: ApiNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /status':
      return send(res, 200, node.status());
    case 'POST /announce': {
      const body = await readJson(req);
      // Reuse the config validator for declarations: same rules, same messages.
      const [d] = applyLayer(DEFAULT_CONFIG, { declarations: [body] }, 'request').declarations;
      return send(res, 200, await node.announceGrouped(d!));
    }
    case 'GET /discover': {
      const tags = (url.searchParams.get('tags') ?? '').split(',').filter(Boolean);
      if (!tags.length) throw new HttpError(400, 'BAD_REQUEST', 'tags is required (comma-separated)');
      const topic = url.searchParams.get('topic') ?? undefined;
      const text = url.searchParams.get('text') ?? undefined;
      const minTier = Number(url.searchParams.get('minTier') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 20);
      if (!Number.isInteger(minTier) || minTier < 0 || minTier > 4) throw new HttpError(400, 'BAD_REQUEST', 'minTier must be 0..4');
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'BAD_REQUEST', 'limit must be 1..500');
      return send(res, 200, { candidates: node.discover({ tags, minTier, limit, ...(topic ? { topic } : {}), ...(text ? { text } : {}) }) });
    }
    default:
      if (['/status', '/announce', '/discover'].includes(url.pathname)) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on ${url.pathname}`);
      throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
  }
}
