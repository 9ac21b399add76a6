// Read-only views of a core's state for the local API, the status page and MCP resources. Pure
// functions of (verifier, store, now), kept out of agent.ts so the PAL façade stays about protocol.

import { toHex } from './bytes.js';
import { decodeBody } from './codec/body.js';
import type { Limits } from './codec/limits.js';
import { MAX_RANGE } from './codec/messages.js';
import type { TieredVerifier } from './identity/verifier.js';
import type { LogStore } from './log/store.js';
import type { LogHeadInfo, OwnDeclaration, PeerInfo } from './types.js';

/**
 * Agents whose binding passed T2 (`self` excluded): the tier each is verified to at `now` (0 when
 * expired, revoked or quarantined) and when a verified message from it last arrived (null: known
 * only from the store, e.g. restored at start).
 */
export function peerViews(verifier: TieredVerifier, lastSeen: ReadonlyMap<string, number>, self: string, now: number): PeerInfo[] {
  const out: PeerInfo[] = [];
  for (const agent of verifier.agentKeys()) {
    if (agent === self) continue;
    const b = verifier.bindingOf(agent)!;
    out.push({ agent, operator: toHex(b.operatorKey), version: b.version, notAfter: b.notAfter, tier: verifier.tierOf(agent, now), quarantined: verifier.isQuarantined(agent), lastSeen: lastSeen.get(agent) ?? null });
  }
  return out;
}

/** Head of every log in the store (own and peers'), sorted by author then topic. */
export function logHeadViews(store: LogStore): LogHeadInfo[] {
  return store
    .logs()
    .map((l) => ({ author: toHex(l.author), topic: l.topic, epoch: l.head.epoch, seq: l.head.seq, ts: l.head.ts, id: toHex(l.head.id) }))
    .sort((a, b) => (a.author === b.author ? (a.topic < b.topic ? -1 : 1) : a.author < b.author ? -1 : 1));
}

/** The agent's unexpired declarations among the latest MAX_RANGE entries of each of its logs. */
export function ownDeclarations(store: LogStore, agentKey: Uint8Array, limits: Limits, now: number): OwnDeclaration[] {
  const out: OwnDeclaration[] = [];
  for (const log of store.logs(agentKey)) {
    for (const e of store.range(agentKey, log.topic, log.head.epoch, Math.max(1, log.head.seq - MAX_RANGE + 1), log.head.seq)) {
      if (e.expires <= now) continue;
      const b = store.getBody(e.bodyHash);
      if (!b) continue;
      const body = decodeBody(b, limits);
      out.push({ id: toHex(e.id), topic: e.topic, epoch: e.epoch, seq: e.seq, kind: e.kind, ts: e.ts, expires: e.expires, tags: body.tags, text: body.text });
    }
  }
  return out;
}
