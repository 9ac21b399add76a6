// Server-Sent Events (WHATWG HTML §9.2) for GET /events: every core event (discovered, appended,
// rejected, fork, withdrawn, declared) and task event (task: a task's new state, taskRejected, receipt)
// goes to each open stream as `event: <type>` + one JSON `data:` line,
// with an increasing `id:`. A comment line every `heartbeatMs` keeps proxies and idle-timeouts from
// closing a quiet stream. Slow clients are not buffered without bound: a stream whose socket buffer
// exceeds `maxBuffered` bytes is closed (the client reconnects and re-reads state from /status).

import type { ServerResponse } from 'node:http';
import type { CoreEvent } from '../../core/types.js';
import type { TaskEvent } from '../../core/task/engine.js';

export const SSE_EVENT_TYPES = [
  'discovered',
  'appended',
  'rejected',
  'fork',
  'dispute',
  'bad_delivery',
  'revoked',
  'withdrawn',
  'declared',
  'task',
  'taskRejected',
  'receipt',
] as const;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private nextId = 1;
  private readonly timer: NodeJS.Timeout;

  constructor(
    heartbeatMs = 15_000,
    private readonly maxBuffered = 1 << 20,
  ) {
    this.timer = setInterval(() => this.write(': ping\n\n'), heartbeatMs);
    this.timer.unref(); // a quiet hub must not keep the process alive
  }

  get size(): number {
    return this.clients.size;
  }

  open(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (res.req?.method === 'HEAD') return void res.end(); // the headers of the stream, nothing to stream
    res.write('retry: 2000\n\n'); // reconnect delay the browser's EventSource uses
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  publish(e: CoreEvent | TaskEvent): void {
    if (!this.clients.size) return;
    this.write(`id: ${this.nextId++}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  }

  private write(chunk: string): void {
    for (const c of this.clients) {
      if (c.writableLength > this.maxBuffered) {
        c.destroy();
        this.clients.delete(c);
      } else c.write(chunk);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}
