// The A2A routes of the local API (docs/a2a.md): the node's Agent Card at the well-known path (served without the
// token: it holds nothing the node does not announce, and a client reads its securitySchemes before it can
// authenticate), the directory of discovered agents, and the JSON-RPC endpoint (rpc.ts). The SDK and the A2A
// side of the node are loaded at the first A2A request, so a node nobody calls over A2A never loads them.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { A2A_DIRECTORY, validate } from '../../core/api/requests.js';
import { HttpError, sendJson } from '../api/http.js';
import type { Route, RouteContext } from '../api/routes.js';
import type { A2aHost } from './host.js';
import { A2A_PATH, CARD_PATH } from './spec.js';

/** Cache lifetime of the card (A2A recommends max-age and an ETag): short, since it follows the node's live declarations. */
export const CARD_MAX_AGE_S = 60;

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The URL a client reached this API at (its Host header), for the card's interface URL. */
function baseUrl(req: IncomingMessage): string {
  const h = req.headers.host;
  return `http://${h && HOST.test(h) ? h : `127.0.0.1:${req.socket.localPort}`}`;
}

async function a2aOf(c: RouteContext): Promise<A2aHost> {
  const a = c.node.a2a;
  if (!a) throw new HttpError('NOT_FOUND', 'this node serves no A2A routes');
  return a();
}

const NUMERAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

export const A2A_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: CARD_PATH,
    open: true,
    handler: async (c) => {
      const card = await (await a2aOf(c)).card(`${baseUrl(c.req)}${A2A_PATH}`);
      const data = JSON.stringify(card);
      const etag = `"${createHash('sha256').update(data).digest('base64url')}"`;
      const headers = { etag, 'cache-control': `public, max-age=${CARD_MAX_AGE_S}`, vary: 'Host' };
      const inm = c.req.headers['if-none-match'];
      if (inm && inm.split(',').some((x) => x.trim() === etag)) {
        c.res.writeHead(304, headers);
        return void c.res.end();
      }
      sendJson(c.res, 200, card, headers);
    },
  },
  {
    method: 'GET',
    path: '/a2a/agents',
    handler: async (c) => {
      const query: Record<string, unknown> = {};
      for (const [k, v] of c.url.searchParams) {
        if (v === '') continue;
        if (k in query) throw new HttpError('BAD_REQUEST', `${k}: given twice`, {}, k);
        query[k] =
          k === 'tags' ? v.split(',') : ['minTier', 'limit', 'minTrust'].includes(k) && NUMERAL.test(v) ? Number(v) : v;
      }
      const q = validate(A2A_DIRECTORY, query, c.node.limits) as {
        tags?: string[];
        topic?: string;
        text?: string;
        minTier: number;
        minTrust?: number;
        limit: number;
      };
      const agents = await (await a2aOf(c)).directory(q, `${baseUrl(c.req)}${A2A_PATH}`);
      sendJson(c.res, 200, { agents });
    },
  },
  {
    method: 'POST',
    path: A2A_PATH,
    handler: async (c) => {
      const a2a = await a2aOf(c);
      await (await import('./rpc.js')).serveJsonRpc(c, a2a);
    },
  },
];
