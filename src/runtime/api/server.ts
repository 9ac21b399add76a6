// Local HTTP/JSON API (docs/architecture.md §9): the agent layer's door to the node, and the operator's (status
// page, metrics). Routes are in routes.ts and described by openapi.json.
//
// Access: the API binds to loopback by default, where any local process may use it (the same trust as
// the node's data directory). Bound to any other address it requires a bearer token (config
// `apiToken` / env AGENTNET_API_TOKEN) and refuses to start without one, because the API can announce
// in the agent's name. A token configured on loopback is enforced too.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { FieldError } from '../../core/codec/schema.js';
import { AgentnetError, ERR } from '../errors.js';
import { HttpError, sendError } from './http.js';
import { match, type ApiNode } from './routes.js';
import { EventHub } from './sse.js';
import type { CoreEvent } from '../../core/types.js';
import { TaskConflictError, type TaskEvent } from '../../core/task/engine.js';

export type { ApiNode } from './routes.js';

export interface ApiOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string | undefined;
  /** SSE keep-alive comment interval, ms. */
  readonly heartbeatMs?: number;
}

export interface Api {
  readonly server: Server;
  readonly port: number;
  /** Feed a core or task event to every open /events stream. */
  publish(e: CoreEvent | TaskEvent): void;
  close(): Promise<void>;
}

/** A host as the API binds it: an IPv6 literal may be written in URL brackets (`[::1]`). */
export function bareHost(host: string): string {
  return /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
}

export function isLoopback(host: string): boolean {
  const h = bareHost(host).toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
}

/** The API's base URL: IPv6 hosts in brackets (RFC 3986 §3.2.2), `http://[::1]:8080`. */
export function apiUrl(host: string, port: number): string {
  const h = bareHost(host);
  return `http://${isIP(h) === 6 ? `[${h}]` : h}:${port}`;
}

/**
 * Off loopback the API needs a bearer token. Checked by startNode before anything else (no identity created,
 * no broker contacted) and again by startApi.
 */
export function checkApiAccess(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token)
    throw ERR.configInvalid(
      `apiHost ${host} is not loopback: set apiToken (or AGENTNET_API_TOKEN) so the API is not open to the network`,
    );
}

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers['authorization'];
  const m = typeof h === 'string' ? /^Bearer (.+)$/i.exec(h) : null;
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b); // constant time: no token oracle by timing
}

/**
 * The request target as a URL. An origin-form target is a path even when it starts with `//` (`new URL('//status',
 * base)` would read `status` as a host and answer `/`); an absolute-form target (proxies) is parsed as it is.
 */
export function requestUrl(target = '/'): URL {
  return new URL(target.startsWith('/') ? `http://localhost${target}` : target, 'http://localhost');
}

/** Maps what a handler threw to the closed set of API errors. */
function toHttpError(e: unknown): HttpError | undefined {
  if (e instanceof HttpError) return e;
  if (e instanceof AgentnetError && e.code === 'STORE_FULL') return new HttpError('STORE_FULL', e.message);
  if (e instanceof AgentnetError && e.code === 'CONFIG_INVALID') return new HttpError('BAD_REQUEST', e.message);
  if (e instanceof FieldError) return new HttpError('BAD_REQUEST', e.message, {}, e.field);
  if (e instanceof TaskConflictError) return new HttpError('CONFLICT', e.message);
  if (e instanceof TypeError || e instanceof RangeError || e instanceof URIError)
    return new HttpError('BAD_REQUEST', e.message);
  return undefined;
}

export async function startApi(node: ApiNode, o: ApiOptions): Promise<Api> {
  const token = o.token || undefined;
  checkApiAccess(o.host, token);
  const hub = new EventHub(o.heartbeatMs);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = requestUrl(req.url);
    const { route, params } = match(req.method ?? 'GET', url.pathname);
    // The status page's shell holds no data: a browser navigation (which cannot send the header) gets it, and
    // its script reads the token from the URL fragment for every data request (status-page.ts). Routes marked
    // `open` (the A2A Agent Card) hold only what the node publishes anyway.
    if (token && route.path !== '/' && !route.open && !authorized(req, token))
      throw new HttpError('UNAUTHORIZED', 'missing or wrong bearer token', {
        'www-authenticate': 'Bearer realm="agentnet"',
      });
    await route.handler({ node, hub, url, params, req, res });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const h = toHttpError(e);
      if (h) return sendError(res, h);
      node.logger.log('error', 'api handler failed', { err: String(e) });
      sendError(res, new HttpError('INTERNAL', 'internal error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, bareHost(o.host), () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    server,
    port,
    publish: (e) => hub.publish(e),
    close: () =>
      new Promise((r) => {
        hub.close(); // open event streams would otherwise hold server.close() forever
        server.close(() => r());
        server.closeIdleConnections();
      }),
  };
}
