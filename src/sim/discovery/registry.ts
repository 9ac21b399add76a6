// Method "registry" (the paper's central-registry baseline): one extra node holds every declaration.
//  - a provider registers (birth + signed entry + body) with the registry at each join, on `rg/in`,
//    and repeats every RETRY_MS until the registry acknowledges on `rd/{node}`;
//  - a requester sends its query (topic + intent body) to the registry and repeats every RETRY_MS
//    until it holds a verified matching declaration of a provider that is up (known for free) or its
//    deadline passes; the registry answers with
//    up to MAX_RESULTS matching declarations, most recently registered first, each with its birth so
//    the requester can verify it (T2 binding, T1 entry, body hash) like any other method;
//  - the registry churns like every node (the last session list of the scenario); its table is kept
//    across its restarts (a store on disk); while it is down, registrations and queries are lost.
// A fixed 2 s retry (not the core's linear backoff) gives the registry the benefit of the doubt.

import { utf8 } from '../../core/base/bytes.js';
import { decodeBody, encodeBody } from '../../core/codec/body.js';
import { DEFAULT_LIMITS } from '../../core/codec/limits.js';
import { DecodeError } from '../../core/base/errors.js';
import type { NodeIO, Proc } from '../net/world.js';
import type { Method, RunCtx } from './runner.js';
import { DeclChecker, pack, signBirth, signDecl, unpack } from './signed.js';
import { capabilityOf, covers, type Request } from './workload.js';

const INBOX = 'rg/in';
const RETRY_MS = 2000;
const MAX_RESULTS = 8;
const REGISTER = 1;
const QUERY = 2;
const RESULTS = 3;
const ACK = 4;
const dec = new TextDecoder();

interface Registration {
  readonly birth: Uint8Array;
  readonly entry: Uint8Array;
  readonly body: Uint8Array;
  readonly topic: string;
  readonly tags: readonly string[];
  readonly at: number;
}

class RegistryProc implements Proc {
  constructor(
    private readonly io: NodeIO,
    private readonly table: Map<string, Registration>,
    private readonly checker: DeclChecker,
  ) {}

  start(): void {
    this.io.subscribe(INBOX);
  }
  timeout(): void {}
  deadline(): undefined {
    return undefined;
  }

  deliver(now: number, _name: string, bytes: Uint8Array): void {
    const p = unpack(bytes);
    if (!p || p.length < 2) return;
    const replyTo = `rd/${dec.decode(p[1]!)}`;
    if (p[0]![0] === REGISTER && p.length === 5) {
      const author = this.checker.birth(p[2]!, now);
      const v = author && this.checker.decl(p[3]!, p[4]!);
      if (!v || v.author !== author || v.entry.kind !== 'capability') return;
      this.table.set(author, {
        birth: p[2]!,
        entry: p[3]!,
        body: p[4]!,
        topic: v.entry.topic,
        tags: v.body.tags,
        at: now,
      });
      this.io.publish(replyTo, pack(Uint8Array.of(ACK)), false);
    } else if (p[0]![0] === QUERY && p.length === 4) {
      let want;
      try {
        want = decodeBody(p[3]!, DEFAULT_LIMITS);
      } catch (e) {
        if (e instanceof DecodeError) return;
        throw e;
      }
      const topic = dec.decode(p[2]!);
      const hits = [...this.table.values()]
        .filter((r) => r.topic === topic && covers(r.tags, want.tags))
        .sort((a, b) => b.at - a.at)
        .slice(0, MAX_RESULTS);
      this.io.publish(replyTo, pack(Uint8Array.of(RESULTS), ...hits.flatMap((h) => [h.birth, h.entry, h.body])), false);
    }
  }
}

class ClientProc implements Proc {
  private registerAt: number | undefined;
  private query: { r: Request; next: number; msg: Uint8Array } | undefined;
  private registration: Uint8Array | undefined;

  constructor(
    private readonly io: NodeIO,
    private readonly ctx: RunCtx,
    private readonly i: number,
    private readonly checker: DeclChecker,
  ) {}

  start(now: number): void {
    const id = this.ctx.ids[this.i]!;
    this.io.subscribe(`rd/${this.i}`);
    const d = signDecl(this.ctx.crypto, id, now, { kind: 'capability', ...capabilityOf(this.i), ttlMs: 86_400_000 });
    this.registration = pack(
      Uint8Array.of(REGISTER),
      utf8(`${this.i}`),
      signBirth(this.ctx.crypto, id, now),
      d.entry,
      d.body,
    );
    this.sendRegistration(now);
  }

  request(now: number, r: Request): void {
    const body = encodeBody({ kind: 'intent', tags: [...r.tags], text: r.text });
    this.query = { r, next: now, msg: pack(Uint8Array.of(QUERY), utf8(`${this.i}`), utf8(r.topic), body) };
    this.timeout(now);
  }

  deliver(now: number, _name: string, bytes: Uint8Array): void {
    const p = unpack(bytes);
    if (!p || !p.length) return;
    if (p[0]![0] === ACK) this.registerAt = undefined;
    if (p[0]![0] !== RESULTS || !this.query) return;
    const r = this.query.r;
    for (let k = 1; k + 2 < p.length; k += 3) {
      const author = this.checker.birth(p[k]!, now);
      const v = author && this.checker.decl(p[k + 1]!, p[k + 2]!);
      if (!v || v.author !== author || v.entry.topic !== r.topic || !covers(v.body.tags, r.tags)) continue;
      const provider = this.ctx.byKey.get(author);
      if (provider === undefined) continue;
      this.ctx.found(r.id, provider);
      // Done once it holds a verified match from a provider that is up (knowing that for free is part of
      // the benefit of the doubt, as for the DHT); a match from a provider that is down keeps it asking.
      if (this.ctx.world.online(provider)) this.query = undefined;
    }
  }

  timeout(now: number): void {
    if (this.registerAt !== undefined && this.registerAt <= now) this.sendRegistration(now);
    const q = this.query;
    if (q && q.next <= now) {
      if (now - q.r.t > this.ctx.sc.deadlineMs) this.query = undefined;
      else {
        this.io.publish(INBOX, q.msg, false);
        q.next = now + RETRY_MS;
      }
    }
  }

  deadline(): number | undefined {
    const ds = [this.registerAt, this.query?.next].filter((d): d is number => d !== undefined);
    return ds.length ? Math.min(...ds) : undefined;
  }

  private sendRegistration(now: number): void {
    this.io.publish(INBOX, this.registration!, false);
    this.registerAt = now + RETRY_MS;
  }
}

export function registryMethod(): Method {
  return {
    name: 'registry',
    addNodes(ctx) {
      for (let i = 0; i < ctx.sc.nodes; i++) {
        const checker = new DeclChecker(ctx.crypto);
        ctx.world.addNode((io) => new ClientProc(io, ctx, i, checker));
      }
      const table = new Map<string, Registration>();
      const checker = new DeclChecker(ctx.crypto);
      ctx.world.addNode((io) => new RegistryProc(io, table, checker));
    },
    request(ctx, r) {
      ctx.world.act(r.node, (p) => (p as ClientProc).request(ctx.world.now, r));
    },
  };
}
