// Reputation exchange as gossip (docs/architecture.md §7: deltas / top-k per epoch, not whole vectors). After each recompute a
// node publishes, per topic it has receipts in, the entries its delta exchange sent (./exchange.ts: ≤ topK that
// moved by more than deltaRel) as a `state` declaration in that topic's log. The entry is signed by the publisher
// (its header commits to the body), so a peer knows whose view it reads; peers watching the tag `reputation` pull
// it like any watched state body and keep each publisher's latest value per (topic, agent).
//
// Body: kind state, tags [`reputation`, `reputation.<topic>`], constraints = REPUTATION_PREFIX + hex(CBOR
//   [[agentKey bstr32, value uint], ...])   value = relative trust n·t (1 = an average identity) in millionths.
//
// Received views are reported (GET /trust?topic: how many peers report an agent, their mean) and counted; they do
// not enter this node's own computation, which uses only receipts it verified itself (docs/trust.md §9).

import { StringTable } from '../base/intern.js';
import { fromHex, toHex } from '../base/bytes.js';
import type { Body } from '../codec/body.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { decodeError } from '../base/errors.js';

export const REPUTATION_TAG = 'reputation';
export const REPUTATION_PREFIX = 'agentnet/reputation/1:';
/** Entries per declaration: the body's constraints field holds 4096 characters, 40 bytes of CBOR hex each ≈ 80. */
export const MAX_REPUTATION_ENTRIES = 48;
const SCALE = 1_000_000;

export interface ReputationEntry {
  readonly agent: string;
  /** Relative trust n·t (1 = an average identity), ≥ 0. */
  readonly value: number;
}

export function reputationBody(topic: string, entries: readonly ReputationEntry[]): Body {
  if (entries.length === 0 || entries.length > MAX_REPUTATION_ENTRIES)
    throw new RangeError(`entries: ${entries.length} not in 1..${MAX_REPUTATION_ENTRIES}`);
  const items = entries.map((e) => {
    if (!/^[0-9a-f]{64}$/.test(e.agent)) throw new TypeError(`agent: ${e.agent} is not 64 hex digits`);
    if (!(e.value >= 0) || !Number.isFinite(e.value))
      throw new RangeError(`value: ${e.value} must be a finite number >= 0`);
    return [fromHex(e.agent), Math.min(Number.MAX_SAFE_INTEGER, Math.round(e.value * SCALE))];
  });
  return {
    kind: 'state',
    tags: [REPUTATION_TAG, `${REPUTATION_TAG}.${topic.replace(/[^a-z0-9_-]/g, '_')}`],
    text: 'reputation delta',
    constraints: REPUTATION_PREFIX + toHex(encodeCbor(items)),
  };
}

/** The entries a body from reputationBody carries (typed DecodeError otherwise). */
export function reputationFromBody(b: Body): ReputationEntry[] {
  if (b.kind !== 'state' || !b.constraints?.startsWith(REPUTATION_PREFIX))
    throw decodeError('BAD_VALUE', 'body does not carry reputation entries');
  const hex = b.constraints.slice(REPUTATION_PREFIX.length);
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw decodeError('BAD_VALUE', 'reputation constraint is not hex');
  const v = decodeCbor(fromHex(hex), { maxBytes: 4096, maxDepth: 2 });
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_REPUTATION_ENTRIES)
    throw decodeError('BAD_TYPE', 'reputation: 1..48 entries expected');
  return v.map((x) => {
    if (
      !Array.isArray(x) ||
      x.length !== 2 ||
      !(x[0] instanceof Uint8Array) ||
      x[0].length !== 32 ||
      typeof x[1] !== 'number'
    ) {
      throw decodeError('BAD_TYPE', 'reputation entry must be [bstr32, uint]');
    }
    return { agent: toHex(x[0]), value: x[1] / SCALE };
  });
}

/** Each publisher's latest reported value per (topic, agent), bounded in publishers. */
export class PeerViews {
  private readonly by = new Map<string, Map<string, Map<string, number>>>();
  /** The agent keys reported, one string object each: every declaration decodes its own copies. */
  private readonly names = new StringTable();
  received = 0;
  declarations = 0;

  constructor(private readonly maxPublishers = 1024) {}

  get publishers(): number {
    return this.by.size;
  }

  handle(publisher: string, topic: string, entries: readonly ReputationEntry[]): boolean {
    let topics = this.by.get(publisher);
    if (!topics) {
      if (this.by.size >= this.maxPublishers) return false;
      topics = new Map();
      this.by.set(publisher, topics);
    }
    const m = topics.get(topic) ?? new Map<string, number>();
    topics.set(topic, m);
    for (const e of entries) m.set(this.names.of(e.agent), e.value);
    this.received += entries.length;
    this.declarations++;
    return true;
  }

  /** How many publishers report `agent` in `topic`, and the mean of their latest values (null if none). */
  about(topic: string, agent: string): { peers: number; mean: number | null } {
    let k = 0;
    let sum = 0;
    for (const [pub, topics] of this.by) {
      if (pub === agent) continue; // an agent's report about itself is not evidence
      const v = topics.get(topic)?.get(agent);
      if (v === undefined) continue;
      k++;
      sum += v;
    }
    return { peers: k, mean: k ? sum / k : null };
  }
}
