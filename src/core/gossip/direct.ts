// Direct request/reply between two nodes (DESIGN §5: "request/response to the author when no retained
// copy exists"; codec/messages.ts `direct`). The sending side and the answering side, which needs only
// the store: a node answers from what it holds and never for what it did not store. Replies
// (`entries`, `body`) are handled by AgentCore, which verifies everything in them.

import { toHex } from '../bytes.js';
import { encodeDirect, type Direct } from '../codec/messages.js';
import type { Counters } from '../counters.js';
import type { LogStore } from '../log/store.js';
import type { Outgoing } from '../types.js';
import type { Range } from './repair.js';

export class DirectLink {
  constructor(
    private readonly agentKey: Uint8Array,
    private readonly counters: Counters,
    private readonly emit: (o: Outgoing) => void,
  ) {}

  send(to: string, d: Direct): void {
    const bytes = encodeDirect(d);
    this.counters.add('directBytesOut', bytes.length);
    this.emit({ op: 'publish', channel: 'direct', key: to, bytes, retain: false });
  }

  /** Gap repair: asks the author of a log for a range of its entries. */
  askEntries(r: Range | undefined): void {
    if (r)
      this.send(toHex(r.author), {
        type: 'getEntries',
        from: this.agentKey,
        author: r.author,
        topic: r.topic,
        epoch: r.epoch,
        fromSeq: r.fromSeq,
        toSeq: r.toSeq,
      });
  }

  /** Answers a request from `store`; false when `d` is a reply (the caller's business). */
  answer(store: LogStore, d: Direct): boolean {
    const from = toHex(d.from);
    if (d.type === 'getEntries') {
      const entries = store.range(d.author, d.topic, d.epoch, d.fromSeq, d.toSeq).map((x) => x.bytes);
      if (entries.length) this.send(from, { type: 'entries', from: this.agentKey, entries });
      return true;
    }
    if (d.type === 'getBody') {
      const body = store.getBody(d.bodyHash);
      if (body) this.send(from, { type: 'body', from: this.agentKey, body });
      return true;
    }
    return false;
  }
}
