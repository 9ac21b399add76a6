// Method "broadcast" (the paper's public-broadcast baseline), a separate, simple protocol:
//  - every node subscribes to one flood topic `bc/all`; every declaration (capability at each join,
//    intent at each request) is published there with its full body, so every online node receives
//    every header *and* body;
//  - a provider that receives an intent its capability covers answers by flooding its capability
//    again (a node that was offline when it was first flooded learns it this way), unless it flooded
//    it less than ANSWER_HOLDOFF_MS ago (every node online then already has it): without this
//    suppression every matching provider would re-flood for every request, which no one would deploy;
//  - a seen-cache (SHA-256 of the message) drops repeated floods before any decoding, as flooding
//    protocols do; it saves CPU only: the bytes were already spent on the links;
//  - births are retained per author (`bb/{author}`) and fetched the first time an author is seen,
//    as in the core; declarations from an unknown author wait (bounded) for its birth;
//  - a requester matches its intent against every declaration it holds (kept across restarts, like a
//    store) and every one that arrives later.
// Every message is the core's signed entry + body, checked by the core's tiered verifier.

import { capabilityOf, covers, type Request } from './workload.js';
import type { Method, RunCtx } from './runner.js';
import { DeclChecker, pack, signBirth, signDecl, unpack, type Verified } from './signed.js';
import type { NodeIO, Proc } from '../net/world.js';
import { toHex } from '../../core/base/bytes.js';

const FLOOD = 'bc/all';
const HELD_PER_AUTHOR = 64;
const ANSWER_HOLDOFF_MS = 10_000;
const SEEN_MAX = 8192;

interface Kept {
  readonly checker: DeclChecker;
  /** Latest capability per author hex. */
  readonly cache: Map<string, Verified>;
}

class BroadcastProc implements Proc {
  readonly me: string;
  private readonly held = new Map<string, Uint8Array[]>();
  private readonly answered = new Set<string>();
  private readonly seen = new Set<string>();
  private open: Request | undefined;
  private capability: Uint8Array | undefined;
  private floodedAt = -Infinity;

  constructor(
    private readonly io: NodeIO,
    private readonly ctx: RunCtx,
    private readonly i: number,
    private readonly kept: Kept,
  ) {
    this.me = toHex(ctx.ids[i]!.agentKey);
  }

  start(now: number): void {
    this.io.subscribe(FLOOD);
    this.io.publish(`bb/${this.me}`, signBirth(this.ctx.crypto, this.ctx.ids[this.i]!, now), true);
    const d = signDecl(this.ctx.crypto, this.ctx.ids[this.i]!, now, {
      kind: 'capability',
      ...capabilityOf(this.i),
      ttlMs: 86_400_000,
    });
    this.capability = pack(d.entry, d.body);
    this.flood(now);
  }

  private flood(now: number): void {
    this.floodedAt = now;
    this.io.publish(FLOOD, this.capability!, false);
  }

  request(now: number, r: Request): void {
    this.open = r;
    for (const [author, v] of this.kept.cache) this.offer(author, v);
    const d = signDecl(this.ctx.crypto, this.ctx.ids[this.i]!, now, {
      kind: 'intent',
      topic: r.topic,
      tags: r.tags,
      text: r.text,
      ttlMs: this.ctx.sc.deadlineMs,
    });
    this.io.publish(FLOOD, pack(d.entry, d.body), false);
  }

  deliver(now: number, name: string, bytes: Uint8Array): void {
    if (name === FLOOD) {
      const h = toHex(this.ctx.crypto.sha256(bytes));
      if (this.seen.has(h)) return;
      if (this.seen.size >= SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
      this.seen.add(h);
      return this.onDecl(now, bytes);
    }
    if (!name.startsWith('bb/')) return;
    const author = this.kept.checker.birth(bytes, now);
    if (!author) return;
    this.io.unsubscribe(name);
    const waiting = this.held.get(author) ?? [];
    this.held.delete(author);
    for (const w of waiting) this.onDecl(now, w);
  }

  timeout(): void {}
  deadline(): undefined {
    return undefined;
  }

  private onDecl(now: number, bytes: Uint8Array): void {
    const parts = unpack(bytes);
    if (!parts || parts.length !== 2) return;
    const se = this.kept.checker.parse(parts[0]!);
    if (!se) return;
    const author = toHex(se.entry.author);
    if (author === this.me) return;
    if (!this.kept.checker.knows(author)) {
      let list = this.held.get(author);
      if (!list) {
        this.held.set(author, (list = []));
        this.io.subscribe(`bb/${author}`);
      }
      if (list.length < HELD_PER_AUTHOR) list.push(bytes);
      return;
    }
    const v = this.kept.checker.decl(parts[0]!, parts[1]!, se);
    if (!v) return;
    if (v.entry.kind === 'capability') {
      this.kept.cache.set(author, v);
      this.offer(author, v);
    } else if (v.entry.kind === 'intent' && this.capability) {
      const mine = capabilityOf(this.i);
      const key = toHex(this.ctx.crypto.sha256(parts[0]!));
      if (
        mine.topic === v.entry.topic &&
        covers(mine.tags, v.body.tags) &&
        !this.answered.has(key) &&
        now - this.floodedAt >= ANSWER_HOLDOFF_MS
      ) {
        this.answered.add(key);
        this.flood(now);
      }
    }
  }

  private offer(author: string, v: Verified): void {
    const r = this.open;
    if (!r || v.entry.topic !== r.topic || !covers(v.body.tags, r.tags)) return;
    const p = this.ctx.byKey.get(author);
    if (p !== undefined) this.ctx.found(r.id, p);
  }
}

export function broadcastMethod(): Method {
  return {
    name: 'broadcast',
    addNodes(ctx) {
      for (let i = 0; i < ctx.sc.nodes; i++) {
        const kept: Kept = { checker: new DeclChecker(ctx.crypto), cache: new Map() };
        ctx.world.addNode((io) => new BroadcastProc(io, ctx, i, kept));
      }
    },
    request(ctx, r) {
      ctx.world.act(r.node, (p) => (p as BroadcastProc).request(ctx.world.now, r));
    },
  };
}
