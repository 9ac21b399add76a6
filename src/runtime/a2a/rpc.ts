// The A2A JSON-RPC endpoint (docs/a2a.md "Gateway"): parses and checks the envelope and the A2A version here,
// then hands the request to the SDK's JSON-RPC transport handler over the gateway; streams go out as SSE.
// Loaded at the first A2A request (routes.ts), with the SDK.

import type { IncomingMessage } from 'node:http';
import { A2A_VERSION_HEADER, formatSSEErrorEvent, formatSSEEvent, SSE_HEADERS } from '@a2a-js/sdk';
import { JsonRpcTransportHandler, ServerCallContext, validateVersion } from '@a2a-js/sdk/server';
import { MAX_REQUEST_BODY, sendJson } from '../api/http.js';
import type { RouteContext } from '../api/routes.js';
import type { A2aHost } from './host.js';

type RpcId = string | number | null;
const rpcError = (id: RpcId, code: number, message: string) => ({ jsonrpc: '2.0', id, error: { code, message } });

/** The raw request body, or undefined when it is over MAX_REQUEST_BODY (the rest is drained, not kept). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n <= MAX_REQUEST_BODY) chunks.push(c as Buffer);
  }
  return n > MAX_REQUEST_BODY ? undefined : Buffer.concat(chunks).toString('utf8');
}

export async function serveJsonRpc(c: RouteContext, a2a: A2aHost): Promise<void> {
  const raw = await readBody(c.req);
  if (raw === undefined)
    return sendJson(c.res, 413, rpcError(null, -32600, `request body over ${MAX_REQUEST_BODY} bytes`));
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return sendJson(c.res, 200, rpcError(null, -32700, 'Invalid JSON payload: the request body is not JSON'));
  }
  const r = body as Record<string, unknown>;
  const id =
    r && typeof r === 'object' && (typeof r['id'] === 'string' || Number.isInteger(r['id']))
      ? (r['id'] as RpcId)
      : null;
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    r['jsonrpc'] !== '2.0' ||
    typeof r['method'] !== 'string' ||
    ('id' in r && r['id'] !== null && id === null)
  )
    return sendJson(
      c.res,
      200,
      rpcError(
        id,
        -32600,
        'Invalid Request: a JSON-RPC 2.0 request object {jsonrpc: "2.0", id, method, params} is expected',
      ),
    );
  // A2A reads an absent version as 0.3, which this node does not serve (docs/a2a.md "Protocol version").
  const version =
    (c.req.headers[A2A_VERSION_HEADER.toLowerCase()] as string | undefined) ??
    c.url.searchParams.get(A2A_VERSION_HEADER) ??
    '';
  const context = new ServerCallContext({ requestedVersion: version });
  try {
    validateVersion(context.requestedVersion, await a2a.gateway.getAgentCard(), 'JSONRPC');
  } catch (e) {
    return sendJson(c.res, 200, { jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(e) });
  }
  const out = await new JsonRpcTransportHandler(a2a.gateway).handle(r, context);
  if (!(Symbol.asyncIterator in (out as object))) return sendJson(c.res, 200, out);
  const it = (out as AsyncGenerator<unknown, void, undefined>)[Symbol.asyncIterator]();
  let first: IteratorResult<unknown, void>;
  try {
    first = await it.next();
  } catch (e) {
    // Refused before the stream started (unknown task, bad params): a plain JSON-RPC error, nothing opened.
    return sendJson(c.res, 200, { jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(e) });
  }
  c.res.writeHead(200, { ...SSE_HEADERS });
  let gone = false;
  c.res.once('close', () => {
    gone = true;
    void it.return(undefined);
  });
  try {
    if (!first.done) c.res.write(formatSSEEvent(first.value));
    for (let n = await it.next(); !n.done && !gone; n = await it.next()) c.res.write(formatSSEEvent(n.value));
  } catch (e) {
    if (!gone)
      c.res.write(formatSSEErrorEvent({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(e) }));
  } finally {
    c.res.end();
  }
}
