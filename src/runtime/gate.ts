// The flood gate (docs/reliability.md, floods): per-peer budgets applied by the driver before the core sees a
// message, so that a peer sending far beyond a fair rate cannot fill the store, the pull tables or
// the outgoing queue at the expense of honest peers. Budgets are token buckets (core/gossip/ratelimit.ts).
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

import type { AgentCore } from '../core/agent.js';
import { toHex } from '../core/base/bytes.js';
import { decodeEntry } from '../core/codec/entry.js';
import { decodeDirect } from '../core/codec/messages.js';
import { DecodeError } from '../core/base/errors.js';
import { SignedRate, TokenBuckets, type Budget } from '../core/gossip/ratelimit.js';
import type { Conduct } from '../core/trust/conduct.js';
import type { LogStore } from '../core/log/store.js';
import type { SigItem } from '../core/base/ports.js';
import type { Channel } from '../core/types.js';

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

/** The flood budgets of a firmware profile (runtime/profile.ts flood* fields). */
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
    private readonly core: AgentCore,
    private readonly store: LogStore,
    /** Is this signature valid? (PrimedVerifier.check: the answer stays primed for the core.) */
    private readonly checkSig: (it: SigItem) => boolean,
    readonly limits: FloodLimits = DEFAULT_FLOOD_LIMITS,
    /** This node's conduct record: fed the signed-time violations (none kept without it). */
    private readonly conduct?: Conduct,
  ) {
    this.entries = new TokenBuckets(limits.entries, limits.peers);
    this.requests = new TokenBuckets(limits.requests, limits.peers);
    this.total = new TokenBuckets(limits.requestsTotal, 1);
    this.signed = new SignedRate(limits.entries, limits.peers);
  }

  /** Undefined to admit the message; else the peer key (hex) whose budget it exceeds. */
  admit(now: number, channel: Channel, bytes: Uint8Array): string | undefined {
    if (bytes.length > this.core.limits.messageBytes) return undefined; // the core rejects it as oversized
    try {
      if (channel === 'header') return this.chargeEntry(now, bytes);
      if (channel !== 'direct') return undefined;
      const d = decodeDirect(bytes, this.core.limits);
      if (d.type === 'request') {
        if (this.core.requestRefusal(now, d)) return undefined; // the core refuses it with its reason
        const from = toHex(d.from); // the signer: requestRefusal checked it is
        if (!this.requests.take(from, now)) return from;
        return this.total.take('*', now) ? undefined : '*';
      }
      if (d.type === 'entries') {
        for (const b of d.entries) {
          const who = this.chargeEntry(now, b);
          if (who) return who;
        }
      }
      return undefined;
    } catch (e) {
      if (e instanceof DecodeError) return undefined; // the core rejects it as malformed
      throw e;
    }
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

  private chargeEntry(now: number, bytes: Uint8Array): string | undefined {
    const se = decodeEntry(bytes, this.core.limits);
    const e = se.entry;
    const author = toHex(e.author);
    if (!this.core.verifier.bindingOf(author)) return undefined;
    const head = this.store.head(e.author, e.topic);
    if (head && (e.epoch < head.epoch || (e.epoch === head.epoch && e.seq <= head.seq))) return undefined; // replay: a no-op
    if (!this.checkSig({ pub: e.author, msg: se.toBeSigned, sig: se.signature })) return undefined; // the core rejects it
    // Signed by the author and fresh: over the budget in its own signed time is the author's doing.
    if (!this.signed.check(`${author}/${e.topic}/${e.epoch}`, e.seq, e.ts))
      this.conduct?.handleViolation(now, author, 'entry_rate');
    return this.entries.take(author, now) ? undefined : author;
  }
}
