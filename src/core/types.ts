// The core's inputs and outputs (docs/conventions.md §2): the driver or the simulator maps channels onto a transport.

import type { Channel } from './channels.js';
import type { Body } from './codec/body.js';
import type { Kind } from './codec/entry.js';
import type { RejectReason } from './base/errors.js';

/** Logical channels: one row each in the channel table (channels.ts), which says how every transport maps them. */
export type { Channel } from './channels.js';

export type Outgoing =
  | {
      readonly op: 'publish';
      readonly channel: Channel;
      readonly key: string;
      readonly bytes: Uint8Array;
      readonly retain: boolean;
      readonly expiryMs?: number;
    }
  | { readonly op: 'subscribe'; readonly channel: Channel; readonly key: string }
  | { readonly op: 'unsubscribe'; readonly channel: Channel; readonly key: string };

export type CoreEvent =
  | {
      readonly type: 'discovered';
      readonly intent: string;
      readonly author: string;
      readonly topic: string;
      readonly ms: number;
      readonly score: number;
      readonly tags: readonly string[];
    }
  | {
      readonly type: 'appended';
      readonly author: string;
      readonly topic: string;
      readonly seq: number;
      readonly own: boolean;
    }
  | { readonly type: 'rejected'; readonly reason: RejectReason; readonly channel: Channel; readonly detail: string }
  | {
      readonly type: 'fork';
      readonly author: string;
      readonly topic: string;
      readonly epoch: number;
      readonly seq: number;
    }
  /**
   * A verified revocation: the agent's signatures from `at` on are refused (gossip/revocations.ts).
   * `known: false`: its binding is not known here yet; kept, and enforced if one by that operator arrives.
   */
  | { readonly type: 'revoked'; readonly agent: string; readonly at: number; readonly known: boolean }
  /** A peer withdrew its declarations in a topic: those with `key` (every kind), or all of them. */
  | { readonly type: 'withdrawn'; readonly author: string; readonly topic: string; readonly key?: string }
  /** One of our own stored entries whose body does not decode (signed by an older version): skipped. */
  | {
      readonly type: 'undecodable';
      readonly id: string;
      readonly topic: string;
      readonly seq: number;
      readonly detail: string;
    }
  /** A verified dispute proof (identity/dispute.ts): `author` signed two awards for `task` (trust slashes it). */
  | { readonly type: 'dispute'; readonly author: string; readonly topic: string; readonly task: string }
  /** A verified bad-delivery proof (identity/bad-delivery.ts): worker `author` delivered an artefact that fails `task`'s acceptance check (trust slashes it). */
  | {
      readonly type: 'bad_delivery';
      readonly author: string;
      readonly topic: string;
      readonly task: string;
      readonly failure: string;
    }
  /** A task message for the task engine (src/core/task/), unverified: the engine checks its signature. */
  | { readonly type: 'task'; readonly from: string; readonly bytes: Uint8Array }
  /** A pulled `state` declaration matching a watched tag (AgentCore.watch), e.g. a co-signed receipt. */
  | {
      readonly type: 'declared';
      readonly author: string;
      readonly topic: string;
      readonly entryId: string;
      readonly seq: number;
      readonly ts: number;
      readonly body: Body;
    };

/** What an agent declares: a body (codec/body.ts), the topic of the log it goes to, and its validity. */
export interface Declaration extends Body {
  readonly topic: string;
  /**
   * The declaration's key: (topic, kind, key) is its identity, and a newer declaration with the same
   * identity replaces it (docs/decisions.md "Declaration identity"). Default: the first tag. For a
   * withdraw: the key to withdraw (every kind); none withdraws the whole topic.
   */
  readonly key?: string;
  /** Validity from now, ms (default 24 h). */
  readonly ttlMs?: number;
}

export interface Candidate {
  readonly author: string;
  readonly topic: string;
  /** The declaration's key (absent: a keyless declaration). */
  readonly key?: string;
  readonly kind: Kind;
  readonly tags: readonly string[];
  readonly text: string;
  readonly entryId: string;
  readonly seq: number;
  readonly ts: number;
  readonly expires: number;
  /** Tier the author offers in its header; the tier we verified it to is `verifiedTier`. */
  readonly tierOffered: number;
  readonly verifiedTier: number;
  readonly score: number;
}

export interface DiscoverQuery {
  readonly tags: readonly string[];
  readonly text?: string;
  readonly topic?: string;
  readonly minTier?: number;
  /** Minimum topic trust, relative (1 = an average identity); applied by the node's trust ranking. */
  readonly minTrust?: number;
  readonly limit?: number;
  /** Text-only queries: keep candidates no query word occurs in (BM25 score 0), for the runtime's embedder to rank. */
  readonly keepUnmatched?: boolean;
}

/** A verified peer as the local API and status page show it (AgentCore.peers). */
export interface PeerInfo {
  readonly agent: string;
  readonly operator: string;
  readonly version: number;
  readonly notAfter: number;
  /** Tier this node verified the agent to, now: 0 expired/revoked/quarantined, 2 binding, 3 attested. */
  readonly tier: number;
  readonly quarantined: boolean;
  /** ms timestamp of the last verified message from it; null if none arrived since start. */
  readonly lastSeen: number | null;
}

export interface LogHeadInfo {
  readonly author: string;
  readonly topic: string;
  readonly epoch: number;
  readonly seq: number;
  readonly ts: number;
  readonly id: string;
}

/** One of this agent's live declarations (GET /declarations): where it is, and its whole body. */
export interface OwnDeclaration extends Omit<Body, 'kind'> {
  readonly id: string;
  readonly topic: string;
  /** Its key (absent: the topic's keyless declaration, from before keys existed). */
  readonly key?: string;
  readonly epoch: number;
  readonly seq: number;
  readonly kind: Kind;
  readonly ts: number;
  readonly expires: number;
}
