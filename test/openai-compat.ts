// An OpenAI-compatible chat-completions server for the tests of the openai adapter. No LLM is reachable
// from the machines these tests run on, so the protocol's counterpart is implemented here: POST
// /v1/chat/completions with {model, messages} answers {choices: [{message: {role, content}}]} as llama.cpp's
// server, Ollama and vLLM do. What it answers is deterministic and checkable: a worker's reply is the
// user message's word count and its words upper-cased; a judge (a system message with "Rubric:") answers
// {"score": 900} when the artefact section is not empty, else {"score": 0}. The model name picks a failure:
// `malformed` (no choices), `garbage` (not JSON), `status` (HTTP 500), `slow` (never answers).
// To run the same tests against a real model, point the adapter's baseUrl at llama.cpp's server
// (http://127.0.0.1:8080/v1) or Ollama (http://127.0.0.1:11434/v1) instead (docs/adapters.md).

import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface OpenAiServer {
  readonly baseUrl: string;
  readonly requests: Array<{ model: string; messages: Array<{ role: string; content: string }>; auth?: string }>;
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const c: Buffer[] = [];
    req.on('data', (b: Buffer) => c.push(b));
    req.on('end', () => resolve(Buffer.concat(c).toString('utf8')));
  });

export async function startOpenAiServer(): Promise<OpenAiServer> {
  const requests: OpenAiServer['requests'] = [];
  const server: Server = createServer(async (req, res) => {
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
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
