// HTTP plumbing shared by the local API's modules: JSON responses, bounded JSON request bodies and the
// closed set of error codes (docs/conventions.md §6). Every error leaves the server as
// `{"error": {"code", "message"}}`; the code is stable, the message is for humans.

import type { IncomingMessage, ServerResponse } from 'node:http';

export const API_ERROR_CODES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
  STORE_FULL: 507,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** The request field a BAD_REQUEST is about (`price`, `tags[3]`), when it is about one. */
    readonly field?: string,
  ) {
    super(message);
    this.status = API_ERROR_CODES[code];
  }
}

export const badRequest = (m: string) => new HttpError('BAD_REQUEST', m);

/** Request bodies above this are refused before parsing (a declaration body is at most 64 KiB). */
export const MAX_REQUEST_BODY = 128 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

export function sendText(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) return void res.end(); // e.g. an SSE stream already open: nothing to say
  const error = { code: e.code, message: e.message, ...(e.field !== undefined ? { field: e.field } : {}) };
  sendJson(res, e.status, { error }, e.headers);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_REQUEST_BODY) throw new HttpError('PAYLOAD_TOO_LARGE', `request body over ${MAX_REQUEST_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('request body is not JSON');
  }
}

/** Integer query parameter in [min, max], or `def` when absent. */
export function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be an integer in ${min}..${max}`);
  return n;
}
