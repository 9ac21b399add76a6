// The local API as the MCP server (./mcp.ts) calls it: JSON requests with the node's bearer token, and the API's
// stable error codes (or UNREACHABLE, HTTP_<status>, BAD_REPLY when no API answer came back) as an ApiError whose
// message the host's model reads as the tool's error.

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A client of the local API (the same one the HTTP routes serve). */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: string | undefined,
  ) {}
  get(path: string): Promise<unknown> {
    return this.req('GET', path);
  }
  post(path: string, body: unknown): Promise<unknown> {
    return this.req('POST', path, body);
  }
  /** The raw bytes of a GET, or undefined on 404. */
  async bytes(path: string): Promise<Uint8Array | undefined> {
    const url = new URL(path, this.base);
    const res = await this.fetch(url, 'GET');
    if (res.status === 404) return undefined;
    if (!res.ok) throw await this.error(url, res);
    return new Uint8Array(await res.arrayBuffer());
  }
  private async fetch(url: URL, method: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    try {
      return await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (e) {
      // "fetch failed" alone says nothing: name the node's URL and the cause (ECONNREFUSED: is the node running?).
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = c ? `${c.code ?? ''} ${c.message ?? ''}`.trim() : (e as Error).message;
      throw new ApiError(
        'UNREACHABLE',
        `cannot reach the agentnet node's API at ${url.origin} (${method} ${url.pathname}): ${why}`,
      );
    }
  }
  private async error(url: URL, res: Response): Promise<ApiError> {
    const text = await res.text();
    try {
      const j = JSON.parse(text) as { error?: { code: string; message: string } };
      if (j.error) return new ApiError(j.error.code, j.error.message);
    } catch {
      // not the API's JSON error: say what came back
    }
    return new ApiError(
      `HTTP_${res.status}`,
      `${url.origin}${url.pathname} answered ${res.status} ${res.statusText}: ${text.slice(0, 200)}`,
    );
  }
  private async req(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.base);
    const res = await this.fetch(url, method, body);
    if (!res.ok) throw await this.error(url, res);
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError('BAD_REPLY', `${url.origin}${url.pathname} answered non-JSON: ${text.slice(0, 200)}`);
    }
  }
}
