// Direct request/reply between two nodes (docs/architecture.md §5: "request/response to the author when no retained
// copy exists"; codec/messages.ts `direct`). The sending side and the answering side, which needs only
// the store: a node answers from what it holds and never for what it did not store. Replies
// (`entries`, `body`) are handled by AgentCore, which verifies everything in them.
//
// Requests that make a node send data are signed (docs/spec/protocol.md "Direct requests"): a request is
// a COSE_Sign1 agentnet/request/1 by the requester's agent key naming the node asked (`to`) and the time
// (`ts`). Before anything is sent the answering node checks, in this order: the request decodes
// (`malformed`), its `to` is this node (`misaddressed`), the signature verifies by `from`
// (`bad_signature`), `ts` is within the clock tolerance (`future`, `expired`) and above the last `ts`
// answered for `from` (`replayed_request`). So a reply goes only to the inbox of the key that signed the
// request, at most once per request and only from the node it was meant for: nobody can reflect replies
// at another agent, and an unauthenticated request (unsigned, forged, replayed, for another node) makes
// the node send nothing. The unsigned getEntries / getBody of earlier nodes are refused as
// `unsigned_request`. What an authenticated requester may ask per second is the flood gate's business
// (core/gossip/gate.ts: budgets per signing key and in total).

import { toHex } from '../base/bytes.js';
import {
  decodeRequest,
  encodeDirect,
  encodeRequest,
  requestToBeSigned,
  type Direct,
  type RequestQuery,
  type SignedRequest,
} from '../codec/messages.js';
import type { Limits } from '../codec/limits.js';
import type { Counters } from '../base/counters.js';
import type { RejectReason } from '../base/errors.js';
import type { LogStore } from '../log/store.js';
import type { CryptoPort } from '../base/ports.js';
import type { Outgoing } from '../types.js';
import type { Range } from './repair.js';

export interface DirectLinkOptions {
  readonly crypto: CryptoPort;
  readonly secret: Uint8Array;
  readonly agentKey: Uint8Array;
  readonly limits: Limits;
  readonly counters: Counters;
  /** How far a request's ts may be from this node's clock, either way (ms; the entries' clock tolerance). */
  readonly clockSkewMs: number;
  /** Requesters whose last answered ts is remembered (default 16384; see `Freshness`). */
  readonly requesters?: number;
  readonly emit: (o: Outgoing) => void;
  readonly reject: (reason: RejectReason, detail: string) => void;
}

export class DirectLink {
  private readonly agentHex: string;
  /** The last ts we signed a request with: ours strictly increase, so the asked node's replay check passes. */
  private lastTs = 0;
  /** The request (hex) whose signature verified last: the gate's check and the answer verify it once. */
  private verified = '';
  readonly fresh: Freshness;

  constructor(private readonly o: DirectLinkOptions) {
    this.agentHex = toHex(o.agentKey);
    this.fresh = new Freshness(o.clockSkewMs, o.requesters ?? 16_384);
  }

  send(to: string, d: Direct): void {
    const bytes = encodeDirect(d);
    this.o.counters.add('directBytesOut', bytes.length);
    this.o.emit({ op: 'publish', channel: 'direct', key: to, bytes, retain: false });
  }

  /** Sends a signed request to `to` (its agent key). */
  ask(now: number, to: Uint8Array, q: RequestQuery): void {
    this.lastTs = Math.max(now, this.lastTs + 1);
    const r: SignedRequest = { ...q, from: this.o.agentKey, to, ts: this.lastTs };
    const req = encodeRequest(r, this.o.crypto.signer.sign(this.o.secret, requestToBeSigned(r)));
    this.send(toHex(to), { type: 'request', from: this.o.agentKey, req });
  }

  /** Gap repair: asks the author of a log for a range of its entries. */
  askEntries(now: number, r: Range | undefined): void {
    if (r)
      this.ask(now, r.author, {
        type: 'getEntries',
        author: r.author,
        topic: r.topic,
        epoch: r.epoch,
        fromSeq: r.fromSeq,
        toSeq: r.toSeq,
      });
  }

  /** A body pull's direct attempt: asks the author for the body. */
  askBody(now: number, author: Uint8Array, bodyHash: Uint8Array): void {
    this.ask(now, author, { type: 'getBody', bodyHash });
  }

  /**
   * Answers a request from `store`, once it is authenticated (above); false when `d` is not a request
   * (a reply or a task message: the caller's business). DecodeError propagates (the caller's `malformed`).
   */
  answer(now: number, store: LogStore, d: Direct): boolean {
    if (d.type === 'getEntries' || d.type === 'getBody') {
      this.o.reject('unsigned_request', `unsigned ${d.type} naming ${toHex(d.from).slice(0, 12)}: not answered`);
      return true;
    }
    if (d.type !== 'request') return false;
    const why = this.check(now, d);
    if (why) {
      this.o.reject(why.reason, why.detail);
      return true;
    }
    const r = decodeRequest(d.req, this.o.limits).request;
    this.fresh.answered(now, toHex(r.from), r.ts);
    const to = toHex(r.from);
    if (r.type === 'getEntries') {
      const entries = store.range(r.author, r.topic, r.epoch, r.fromSeq, r.toSeq).map((x) => x.bytes);
      if (entries.length) this.send(to, { type: 'entries', from: this.o.agentKey, entries });
    } else {
      const body = store.getBody(r.bodyHash);
      if (body) this.send(to, { type: 'body', from: this.o.agentKey, body });
    }
    return true;
  }

  /**
   * Why a signed request must not be answered now, or undefined when it may be. Records nothing (the flood
   * gate asks before charging a budget to the requester; `answer` asks again). DecodeError propagates.
   */
  check(now: number, d: Extract<Direct, { type: 'request' }>): { reason: RejectReason; detail: string } | undefined {
    const { request: r, signature, toBeSigned } = decodeRequest(d.req, this.o.limits);
    const from = toHex(r.from);
    const who = `${r.type} from ${from.slice(0, 12)}`;
    if (from !== toHex(d.from)) return { reason: 'malformed', detail: `${who}: the envelope names another sender` };
    if (toHex(r.to) !== this.agentHex)
      return { reason: 'misaddressed', detail: `${who}: addressed to ${toHex(r.to).slice(0, 12)}` };
    const key = toHex(d.req);
    if (key !== this.verified) {
      if (!this.o.crypto.verifier.verify(r.from, toBeSigned, signature))
        return { reason: 'bad_signature', detail: `${who}: signature does not verify` };
      this.verified = key;
    }
    return this.fresh.check(now, from, r.ts, who);
  }
}

/**
 * Replay protection of signed requests: a request's ts must be within `skewMs` of now, and above the last
 * ts answered for its requester. The table of last ts per requester is bounded: a requester is forgotten
 * only once its last ts has left the window (a replay of anything it signed is then refused by the window
 * anyway); when all `max` requesters are recent, a new one is refused (`rate_limited`) until one ages out.
 */
export class Freshness {
  private readonly last = new Map<string, number>();

  constructor(
    readonly skewMs: number,
    readonly max: number,
  ) {}

  get size(): number {
    return this.last.size;
  }

  check(now: number, from: string, ts: number, who: string): { reason: RejectReason; detail: string } | undefined {
    if (ts > now + this.skewMs) return { reason: 'future', detail: `${who}: ts ${ts - now} ms ahead` };
    if (ts < now - this.skewMs) return { reason: 'expired', detail: `${who}: ts ${now - ts} ms old` };
    const last = this.last.get(from);
    if (last !== undefined && ts <= last)
      return { reason: 'replayed_request', detail: `${who}: ts ${ts} not after ${last}, answered before` };
    if (last === undefined && this.last.size >= this.max && !this.evictOne(now))
      return { reason: 'rate_limited', detail: `${who}: ${this.max} requesters answered within the window` };
    return undefined;
  }

  /** Records an answered request (after `check` passed). */
  answered(now: number, from: string, ts: number): void {
    if (!this.last.has(from) && this.last.size >= this.max) this.evictOne(now);
    this.last.delete(from); // re-inserted: Map order is the order of last answers
    this.last.set(from, ts);
  }

  /** Forgets the requester answered longest ago if its last ts has left the window. */
  private evictOne(now: number): boolean {
    const first = this.last.entries().next().value;
    if (!first || first[1] >= now - this.skewMs) return false;
    this.last.delete(first[0]);
    return true;
  }
}
