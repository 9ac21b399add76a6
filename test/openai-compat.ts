// An OpenAI-compatible chat-completions server for the tests of the openai adapter. No LLM is reachable
// from the machines these tests run on, so the protocol's counterpart is implemented here: POST
// /v1/chat/completions with {model, messages} answers {choices: [{message: {role, content}}]} as llama.cpp's
// server, Ollama and vLLM do. What it answers is deterministic and checkable: a worker's reply is the
// user message's word count and its words upper-cased; a judge (a system message with "Rubric:") answers
// {"score": 900} when the artefact section is not empty, else {"score": 0}. The model name picks a failure:
// `malformed` (no choices), `garbage` (not JSON), `status` (HTTP 500), `slow` (never answers).
// POST /v1/embeddings with {model, input: string | string[]} answers {data: [{index, embedding}]} as llama.cpp's
// server (started with --embeddings) and Ollama do, over a small concept space (CONCEPTS below: each word of
// a concept adds 1 to its dimension, the vector is normalised), so texts that share no word but a concept
// are close: "database questions" is near "SQL analytics", which BM25 cannot see. Its model names pick
// failures too: `malformed` (no data), `garbage`, `status`, `slow`, `short` (one vector fewer than inputs),
// `nan` (a vector that is not a list of numbers). No embeddings service is reachable from these machines either.
// To run the same tests against a real model, point the adapter's baseUrl at llama.cpp's server
// (http://127.0.0.1:8080/v1) or Ollama (http://127.0.0.1:11434/v1) instead (docs/adapters.md).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface OpenAiServer {
  readonly baseUrl: string;
  readonly requests: Array<{ model: string; messages: Array<{ role: string; content: string }>; auth?: string }>;
  /** Each /v1/embeddings request: the model, the inputs, the Authorization header. */
  readonly embeddings: Array<{ model: string; input: string[]; auth?: string }>;
  /** When set, /v1/embeddings answers as if this were the model's name (a failure mode picked at run time). */
  embeddingsMode?: string;
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const c: Buffer[] = [];
    req.on('data', (b: Buffer) => c.push(b));
    req.on('end', () => resolve(Buffer.concat(c).toString('utf8')));
  });

/** The concept space of the test embedder: one dimension per line, the words that point there. */
const CONCEPTS: readonly (readonly string[])[] = [
  ['sql', 'database', 'databases', 'query', 'queries', 'table', 'tables', 'postgres', 'analytics'],
  ['code', 'review', 'reviews', 'source', 'bug', 'bugs', 'audit', 'lint', 'programs'],
  ['translate', 'translation', 'language', 'french', 'german', 'english'],
  ['image', 'images', 'photo', 'photos', 'picture', 'pictures', 'resize', 'thumbnail'],
  ['weather', 'forecast', 'rain', 'temperature', 'climate'],
  ['csv', 'spreadsheet', 'statistics', 'numbers', 'mean', 'average'],
];

/** A unit vector over CONCEPTS plus one dimension for words of no concept (so no text is the zero vector). */
export function conceptVector(text: string): number[] {
  const v = new Array<number>(CONCEPTS.length + 1).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const i = CONCEPTS.findIndex((c) => c.includes(w));
    v[i < 0 ? CONCEPTS.length : i]! += i < 0 ? 0.1 : 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

function answerEmbeddings(j: { model: string; input: string | string[] }, res: ServerResponse): void {
  if (j.model === 'slow') return; // never answers
  if (j.model === 'status') {
    res.writeHead(503, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ error: { message: 'embeddings not enabled (--embeddings)' } }));
  }
  if (j.model === 'garbage') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return void res.end('this is not json');
  }
  const input = typeof j.input === 'string' ? [j.input] : j.input;
  const data = input.map((t, index) => ({
    object: 'embedding',
    index,
    embedding: j.model === 'nan' ? 'not a vector' : conceptVector(t),
  }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify(
      j.model === 'malformed'
        ? { object: 'list' }
        : { object: 'list', model: j.model, data: j.model === 'short' ? data.slice(1) : data },
    ),
  );
}

export async function startOpenAiServer(): Promise<OpenAiServer> {
  const requests: OpenAiServer['requests'] = [];
  const embeddings: OpenAiServer['embeddings'] = [];
  const out = {} as { -readonly [K in keyof OpenAiServer]: OpenAiServer[K] };
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/v1/embeddings') {
      const j = JSON.parse(await body(req)) as { model: string; input: string | string[] };
      const input = typeof j.input === 'string' ? [j.input] : j.input;
      embeddings.push({
        model: j.model,
        input,
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      });
      return answerEmbeddings({ ...j, model: out.embeddingsMode ?? j.model }, res);
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
    }
    const j = JSON.parse(await body(req)) as OpenAiServer['requests'][number];
    requests.push({ ...j, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
    if (j.model === 'slow') return; // never answers
    if (j.model === 'status') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'model not loaded' } }));
    }
    if (j.model === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('this is not json');
    }
    const system = j.messages.find((m) => m.role === 'system')?.content ?? '';
    const user = j.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    let content: string;
    if (system.includes('Rubric:')) {
      const artefact = user.split('Artefact:\n')[1] ?? '';
      content = `Here is my verdict: {"score": ${artefact.trim() ? 900 : 0}}`;
    } else {
      const words = user.split(/\s+/).filter(Boolean);
      content = `${words.length} words: ${words.join(' ').toUpperCase()}`;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        j.model === 'malformed'
          ? { id: 'x', object: 'chat.completion' }
          : {
              id: 'chatcmpl-test',
              object: 'chat.completion',
              model: j.model,
              choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            },
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return Object.assign(out, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    embeddings,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
