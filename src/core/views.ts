// Read-only views of a core's state for the local API, the status page and MCP resources. Pure
// functions of (verifier, store, now), kept out of agent.ts so the PAL façade stays about protocol.

import { toHex } from './base/bytes.js';
import { decodeBody, type Body } from './codec/body.js';
import type { Limits } from './codec/limits.js';
import type { IdentityTiers } from './identity/tiers.js';
import { DecodeError } from './base/errors.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { Counters } from './base/counters.js';
import type { Finder } from './finder.js';
import type { ForkProofs } from './gossip/fork-proofs.js';
import type { GapRepair } from './gossip/repair.js';
import type { Revocations } from './gossip/revocations.js';
import type { AwaitingBinding } from './gossip/awaiting.js';
import type { HeldEntries } from './log/held.js';
import type { LogHeadInfo, OwnDeclaration, PeerInfo } from './types.js';

/**
 * Agents whose binding passed T2 (`self` excluded): the tier each is verified to at `now` (0 when
 * expired, revoked or quarantined) and when a verified message from it last arrived (null: known
 * only from the store, e.g. restored at start).
 */
export function peerViews(
  verifier: IdentityTiers,
  lastSeen: ReadonlyMap<string, number>,
  self: string,
  now: number,
): PeerInfo[] {
  const out: PeerInfo[] = [];
  for (const agent of verifier.agentKeys()) {
    if (agent === self) continue;
    const b = verifier.bindingOf(agent)!;
    out.push({
      agent,
      operator: toHex(b.operatorKey),
      version: b.version,
      notAfter: b.notAfter,
      tier: verifier.tierOf(agent, now),
      quarantined: verifier.isQuarantined(agent),
      lastSeen: lastSeen.get(agent) ?? null,
    });
  }
  return out;
}

/** Head of every log in the store (own and peers'), sorted by author then topic. */
export function logHeadViews(store: LogStore): LogHeadInfo[] {
  return store
    .logs()
    .map((l) => ({
      author: toHex(l.author),
      topic: l.topic,
      epoch: l.head.epoch,
      seq: l.head.seq,
      ts: l.head.ts,
      id: toHex(l.head.id),
    }))
    .sort((a, b) => (a.author === b.author ? (a.topic < b.topic ? -1 : 1) : a.author < b.author ? -1 : 1));
}

/**
 * The agent's live declarations (LogStore.live: per topic, kind and key the newest, not withdrawn,
 * unexpired), each with its whole body. A stored body that no longer decodes (signed by an older
 * version, or beyond a limit a profile lowered since) is skipped and handed to `undecodable`.
 */
export function ownDeclarations(
  store: LogStore,
  agentKey: Uint8Array,
  limits: Limits,
  now: number,
  undecodable: (e: StoredEntry, detail: string) => void,
): OwnDeclaration[] {
  const out: OwnDeclaration[] = [];
  for (const e of store.live(agentKey, now)) {
    const b = store.getBody(e.bodyHash);
    if (!b) continue;
    let body: Body;
    try {
      body = decodeBody(b, limits);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      undecodable(e, err.message);
      continue;
    }
    const { kind: _kind, ...fields } = body;
    out.push({
      id: toHex(e.id),
      topic: e.topic,
      ...(e.key !== undefined ? { key: e.key } : {}),
      epoch: e.epoch,
      seq: e.seq,
      kind: e.kind,
      ts: e.ts,
      expires: e.expires,
      ...fields,
    });
  }
  return out;
}

/** The parts of an AgentCore its status is read from. */
export interface StatusParts {
  readonly agentHex: string;
  readonly epoch: number;
  readonly followed: ReadonlySet<string>;
  readonly finder: Finder;
  readonly store: LogStore;
  readonly verifier: IdentityTiers;
  readonly counters: Counters;
  readonly gaps: GapRepair;
  readonly forks: ForkProofs;
  readonly revocations: Revocations;
  readonly held: HeldEntries;
  readonly awaiting: AwaitingBinding;
}

/** AgentCore.status(): counters and sizes for the local API, the status page and metrics. */
export function coreStatus(x: StatusParts) {
  return {
    agent: x.agentHex,
    epoch: x.epoch,
    followed: [...x.followed].sort(),
    interests: x.finder.interestCount,
    entries: x.store.entryCount(),
    knownAgents: x.verifier.knownAgents(),
    candidates: x.finder.candidateCount,
    verified: { ...x.verifier.counters },
    rejected: x.counters.rejected(),
    bytes: x.counters.bytes(),
    pulls: { requested: x.finder.pulls.requested, completed: x.finder.pulls.completed, failed: x.finder.pulls.failed },
    gapRepairs: { requested: x.gaps.requested, failed: x.gaps.failed },
    forkProofs: {
      published: x.forks.published,
      suppressed: x.forks.suppressed,
      repeatsSkipped: x.forks.repeatsSkipped,
      checked: x.verifier.counters.T4,
    },
    revocations: { kept: x.revocations.size, published: x.revocations.published, suppressed: x.revocations.suppressed },
    discoveries: x.counters.get('discoveries'),
    /** Own stored entries whose body no longer decodes (an older version signed them): skipped, reported once. */
    storeUndecodable: x.counters.get('storeUndecodable'),
    /** Times a retained birth or frontier of ours was found replaced (garbage, another's data) and published again. */
    ownPathsRestored: x.counters.get('ownPathsRestored'),
    pending: { held: x.held.size, pulls: x.finder.pulls.size, gaps: x.gaps.size, births: x.awaiting.size },
  };
}
