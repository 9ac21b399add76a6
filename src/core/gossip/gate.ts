// The flood gate (docs/reliability.md, floods): per-peer budgets the node core (core/node/node-core.ts) applies to
// each decoded message of a batch before AgentCore receives it, so that a peer sending far beyond a fair rate
// cannot fill the store, the pull tables or the outgoing queue at the expense of honest peers. Budgets are token
// buckets (ratelimit.ts). The gate reads the parsed message (codec/parsed.ts) and the batch's signature answers (identity/batch-signatures.ts): it decodes and
// verifies nothing of its own.
//
// What is charged, and to whom:
//  - a new entry (live header, or inside an unsolicited or solicited `entries` message) to its
//    author, once its signature is known to be valid and it is ahead of our head of that log. So
//    nobody can spend an honest author's budget: forging needs the author's key, and replaying its
//    entries (duplicates, stale ones) costs nothing. Entries of authors whose binding we lack yet go
//    through: the core holds them in a bounded table until the birth arrives.
//  - a signed request (getEntries / getBody, docs/spec/protocol.md "Direct requests") to the key that
//    signed it, and to a budget shared by all requesters, once the core found it authenticated and fresh
//    (addressed to this node, signature valid, ts in the window and newer than the last answered): so
//    forged, replayed or misaddressed requests spend nobody's budget (the core refuses them with their
//    reason), and the shared budget bounds the work of a requester that makes up keys. Unsigned requests
//    of earlier nodes cost nothing either: the core refuses them unanswered (`unsigned_request`).
// A refused message is dropped, counted as `rate_limited` in the core's counters and emitted as a
// rejection event; `top()` names the peers refused most.
//
// Local conduct (core/trust/conduct.ts; docs/decisions.md "Local conduct"): every fresh, validly signed
// entry is also measured against the entry budget in its author's *signed* time (SignedRate); an author
// whose own timestamps show it creating entries faster than the budget has provably broken the rule, and
// each such entry is a violation in this node's conduct record of it. Refusals at arrival are not
// attributable on their own (a relayer chooses when an honest author's entries arrive), nor are refused
// requests (signed now, but asking for data often is no rule of the log the conduct record judges), nor
// forged or mis-signed entries (checked first).
// The budgets come from the firmware profile (flood* fields, firmware-profiles/README.md).

import { toHex } from '../base/bytes.js';
import type { SignedEntry } from '../codec/entry.js';
import type { Direct } from '../codec/messages.js';
import type { ParsedMessage } from '../codec/parsed.js';
import { DecodeError, type RejectReason } from '../base/errors.js';
import type { BatchSignatures } from '../identity/batch-signatures.js';
import type { Conduct } from '../trust/conduct.js';
import { SignedRate, TokenBuckets, type Budget } from './ratelimit.js';

/** What the gate reads of the node: bindings held, log heads, whether a request would be answered. */
export interface GateView {
  knows(authorHex: string): boolean;
  logHead(author: Uint8Array, topic: string): { epoch: number; seq: number } | undefined;
  requestRefusal(now: number, d: Extract<Direct, { type: 'request' }>): { reason: RejectReason } | undefined;
}

export interface FloodLimits {
  /** New entries per author. The default allows bursts of a gap repair (MAX_RANGE 64) many times over. */
  readonly entries: Budget;
  /** Signed getBody / getEntries requests per requester (signing) key. */
  readonly requests: Budget;
  /** getBody / getEntries requests of all requesters together. */
  readonly requestsTotal: Budget;
  /** Peers (authors, requesters, logs) tracked per budget; least recently seen evicted beyond it. */
  readonly peers: number;
}

/** The rpi4b / cm4 profile's values (a node built without a profile, e.g. in tests). */
export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  entries: { perSecond: 50, burst: 500 },
  requests: { perSecond: 20, burst: 100 },
  requestsTotal: { perSecond: 400, burst: 800 },
  peers: 4096,
};

/** The flood budgets of a firmware profile (its flood* fields, firmware-profiles/README.md). */
export function floodLimitsOf(p: {
  floodEntriesPerSecond: number;
  floodEntriesBurst: number;
  floodRequestsPerSecond: number;
  floodRequestsBurst: number;
  floodRequestsTotalPerSecond: number;
  floodRequestsTotalBurst: number;
  floodPeers: number;
}): FloodLimits {
  return {
    entries: { perSecond: p.floodEntriesPerSecond, burst: p.floodEntriesBurst },
    requests: { perSecond: p.floodRequestsPerSecond, burst: p.floodRequestsBurst },
    requestsTotal: { perSecond: p.floodRequestsTotalPerSecond, burst: p.floodRequestsTotalBurst },
    peers: p.floodPeers,
  };
}

export class FloodGate {
  private readonly entries: TokenBuckets;
  private readonly requests: TokenBuckets;
  private readonly total: TokenBuckets;
  private readonly signed: SignedRate;

  constructor(
    private readonly view: GateView,
    readonly limits: FloodLimits = DEFAULT_FLOOD_LIMITS,
    /** This node's conduct record: fed the signed-time violations (none kept without it). */
    private readonly conduct?: Conduct,
  ) {
    this.entries = new TokenBuckets(limits.entries, limits.peers);
    this.requests = new TokenBuckets(limits.requests, limits.peers);
    this.total = new TokenBuckets(limits.requestsTotal, 1);
    this.signed = new SignedRate(limits.entries, limits.peers);
  }

  /**
   * Undefined to admit the message; else the peer key (hex) whose budget it exceeds. Oversized and malformed
   * messages pass: the core refuses them with their own reason.
   */
  admit(now: number, p: ParsedMessage, sigs: BatchSignatures): string | undefined {
    if (p.kind === 'header') return this.chargeEntry(now, p.se, sigs);
    if (p.kind !== 'direct') return undefined;
    const d = p.d;
    if (d.type === 'request') {
      if (this.view.requestRefusal(now, d)) return undefined; // the core refuses it with its reason
      const from = toHex(d.from); // the signer: requestRefusal checked it is
      if (!this.requests.take(from, now)) return from;
      return this.total.take('*', now) ? undefined : '*';
    }
    for (const se of p.entries) {
      if (se instanceof DecodeError) continue; // malformed: the core rejects it
      const who = this.chargeEntry(now, se, sigs);
      if (who) return who;
    }
    return undefined;
  }
  /** Peers refused most, by budget (status). */
  top(n = 5): {
    entries: Array<{ key: string; refused: number }>;
    requests: Array<{ key: string; refused: number }>;
    requestsTotal: number;
    signedOver: number;
  } {
    return {
      entries: this.entries.top(n),
      requests: this.requests.top(n),
      requestsTotal: this.total.refusedTotal,
      signedOver: this.signed.overTotal,
    };
  }

  private chargeEntry(now: number, se: SignedEntry, sigs: BatchSignatures): string | undefined {
    const e = se.entry;
    const author = toHex(e.author);
    if (!this.view.knows(author)) return undefined;
    const head = this.view.logHead(e.author, e.topic);
    if (head && (e.epoch < head.epoch || (e.epoch === head.epoch && e.seq <= head.seq))) return undefined; // replay: a no-op
    if (!sigs.valid(se)) return undefined; // the core rejects it
    // Signed by the author and fresh: over the budget in its own signed time is the author's doing.
    if (!this.signed.check(`${author}/${e.topic}/${e.epoch}`, e.seq, e.ts))
      this.conduct?.handleViolation(now, author, 'entry_rate');
    return this.entries.take(author, now) ? undefined : author;
  }
}
