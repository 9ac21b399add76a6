// The node's A2A side (docs/a2a.md): its own signed Agent Card, the directory of agents it discovered (cards it
// signs as the serving node, each carrying the subject's binding and signed declarations), skill resolution and
// the JSON-RPC gateway. Built by startNode from the node's identity, store, core and task runner.

import { AgentCard } from '@a2a-js/sdk';
import { fromHex, toHex } from '../../core/base/bytes.js';
import type { AgentCore } from '../../core/agent.js';
import { decodeBody } from '../../core/codec/body.js';
import type { Limits } from '../../core/codec/limits.js';
import type { RankedCandidate } from '../../core/trust/node-trust.js';
import type { DiscoverQuery } from '../../core/types.js';
import type { SqliteStore } from '../store/sqlite.js';
import type { TaskRunner } from '../tasks.js';
import { buildCard, signCard, skillId, type SkillSource } from './card.js';
import { A2aGateway } from './gateway.js';

export interface A2aDeps {
  readonly core: AgentCore;
  /** The binding bytes this node holds for an agent (NodeCore.bindingOf): a directory card carries them. */
  bindingOf(agentHex: string): Uint8Array | undefined;
  readonly store: SqliteStore;
  readonly tasks: TaskRunner;
  readonly agentSecret: Uint8Array;
  readonly binding: Uint8Array;
  readonly limits: Limits;
  readonly version: string;
  /** The API needs a bearer token. */
  readonly bearer: boolean;
  readonly defaultPrice: number;
  /** Candidates ranked by semantic match × topic trust (AgentNode.discover). */
  discover(q: DiscoverQuery): RankedCandidate[];
}

export interface DirectoryEntry {
  readonly card: Record<string, unknown>;
  readonly agent: string;
  /** Best rank of the agent's capabilities (semantic match × topic trust), and its trust there. */
  readonly rank: number;
  readonly trust: number;
  readonly tier: number;
}

export interface A2aHost {
  readonly gateway: A2aGateway;
  /** The node's signed card with `endpoint` as its JSON-RPC interface. */
  card(endpoint: string): Promise<Record<string, unknown>>;
  directory(
    q: { tags?: string[]; topic?: string; text?: string; minTier: number; minTrust?: number; limit: number },
    endpoint: string,
  ): Promise<DirectoryEntry[]>;
}

/** Cards are signed once per distinct content (the JWS of an Ed25519 key is deterministic anyway). */
const MAX_CACHED = 256;

export function makeA2aHost(d: A2aDeps): A2aHost {
  const agent = d.core.agentHex;
  const pub = fromHex(agent);
  const signed = new Map<string, Promise<Record<string, unknown>>>();
  const sign = (card: Record<string, unknown>) => {
    const k = JSON.stringify(card);
    let p = signed.get(k);
    if (!p) {
      if (signed.size >= MAX_CACHED) signed.clear();
      signed.set(k, (p = signCard(card, d.agentSecret, pub)));
    }
    return p;
  };

  /** A stored capability entry of `author` as a skill (its entry and body bytes), if we hold both. */
  const sourceOf = (author: string, topic: string, entryId: string, now: number): SkillSource | undefined => {
    const e = d.store.live(fromHex(author), now, topic).find((x) => toHex(x.id) === entryId);
    const body = e && d.store.getBody(e.bodyHash);
    return e && body ? { topic, key: e.key ?? '', tags: [], text: '', entry: e.bytes, body } : undefined;
  };

  const ownSkills = (now: number): SkillSource[] =>
    d.core
      .declarations(now)
      .filter((x) => x.kind === 'capability')
      .flatMap((x) => {
        const s = sourceOf(agent, x.topic, x.id, now);
        if (!s) return [];
        return [
          {
            ...s,
            key: x.key ?? x.tags[0]!,
            tags: x.tags,
            text: x.text,
            ...(x.skills ? { skills: x.skills } : {}),
            ...(x.price !== undefined ? { price: x.price } : {}),
          },
        ];
      });

  const ownCard = (endpoint: string) =>
    buildCard(
      { agent, binding: d.binding, skills: ownSkills(Date.now()) },
      { endpoint, bearer: d.bearer, version: d.version },
    );

  /** Every discovered capability matching the query: by its tags, or with none given by every tag root we hold. */
  const discovered = (
    q: { tags?: string[]; topic?: string; text?: string; minTier: number; minTrust?: number },
    now: number,
  ) => {
    let tags = q.tags;
    if (!tags) {
      const roots = new Set<string>();
      for (const e of d.store.unexpired('capability', now, pub)) {
        const bytes = d.store.getBody(e.bodyHash);
        if (!bytes) continue;
        try {
          for (const t of decodeBody(bytes, d.limits).tags) roots.add(t.split('.')[0]!);
        } catch {
          continue; // a body no decoder of this version reads: not a skill this node can describe
        }
      }
      tags = [...roots];
    }
    const out = new Map<string, RankedCandidate>();
    for (let i = 0; i < tags.length; i += d.limits.maxTags) {
      const chunk = tags.slice(i, i + d.limits.maxTags);
      for (const c of d.discover({
        tags: chunk,
        minTier: Math.max(2, q.minTier),
        limit: 500,
        ...(q.topic ? { topic: q.topic } : {}),
        ...(q.text ? { text: q.text } : {}),
        ...(q.minTrust !== undefined ? { minTrust: q.minTrust } : {}),
      }))
        if (c.kind === 'capability' && !out.has(c.entryId)) out.set(c.entryId, c);
    }
    return [...out.values()].sort((a, b) => b.rank - a.rank);
  };

  const gateway = new A2aGateway({
    limits: d.limits,
    defaultPrice: d.defaultPrice,
    tasks: d.tasks,
    ownSkills: () => ownSkills(Date.now()).map((s) => skillId(s.topic, s.key)),
    skill: (id) => {
      const now = Date.now();
      const own = ownSkills(now).find((s) => skillId(s.topic, s.key) === id);
      if (own) return { topic: own.topic, tags: own.tags, ...(own.price !== undefined ? { price: own.price } : {}) };
      const slash = id.indexOf('/');
      if (slash < 0) return undefined;
      const c = discovered({ topic: id.slice(0, slash), minTier: 2 }, now).find(
        (x) => skillId(x.topic, x.key ?? x.tags[0]!) === id,
      );
      return c ? { topic: c.topic, tags: c.tags } : undefined;
    },
    card: async () => AgentCard.fromJSON(await sign(ownCard('http://localhost/a2a'))),
  });
  d.tasks.onEvent((e) => gateway.onTaskEvent(e));

  return {
    gateway,
    card: (endpoint) => sign(ownCard(endpoint)),
    async directory(q, endpoint) {
      const now = Date.now();
      const byAgent = new Map<string, { best: RankedCandidate; skills: SkillSource[] }>();
      for (const c of discovered(q, now)) {
        const src = sourceOf(c.author, c.topic, c.entryId, now);
        if (!src) continue;
        const s: SkillSource = { ...src, key: c.key ?? c.tags[0]!, tags: c.tags, text: c.text };
        const a = byAgent.get(c.author);
        if (a) a.skills.push(s);
        else byAgent.set(c.author, { best: c, skills: [s] });
      }
      const out: DirectoryEntry[] = [];
      for (const [author, { best, skills }] of byAgent) {
        if (out.length >= q.limit) break;
        const binding = d.bindingOf(author);
        if (!binding) continue;
        const card = buildCard(
          { agent: author, binding, skills },
          { endpoint, bearer: d.bearer, version: d.version, directory: { agent, binding: d.binding } },
        );
        out.push({
          card: await sign(card),
          agent: author,
          rank: best.rank,
          trust: best.trust,
          tier: best.verifiedTier,
        });
      }
      return out;
    },
  };
}
