// A task mechanism: the versioned rule set a requester (the Stackelberg leader) commits to before
// agents bid (docs/architecture.md §8). It is data, not code, so that it can be signed (COSE_Sign1), gossiped as a
// `constraint` declaration, compared between versions, and edited clause by clause by the
// mechanism-generation loop. Every clause has a stable id (CLAUSE_IDS) so attribution can name the
// rule a failing trajectory exploited and an edit can address it.
//
// Money is integer milli-credits and fractions are basis points (1/10000): CBOR here has no floats
// (docs/decisions.md), and integer parameters make every spec byte-for-byte reproducible.
//
// Wire form: the deterministic CBOR map of the table MECHANISM below (docs/spec/tasks.md); unknown fields are
// rejected like in every v1 object.

import { decodeError } from '../base/errors.js';
import { decodeCbor, encodeCbor, type CborMap, type CborValue } from '../codec/cbor.js';
import { asMap, mapOf } from '../codec/fields.js';
import { DEFAULT_LIMITS } from '../codec/limits.js';
import { readObject, type ObjectSpec } from '../codec/schema.js';

/** Who gets the task: everyone who bids, the k lowest bids, the k best reputations, or the welfare-maximising team by score. */
export const ALLOC_RULES = ['all', 'lowest_bid', 'reputation', 'scoring'] as const;
/** How the pool is split: equally, pay-as-bid (fixed), proportional to bids, or by Shapley value of claimed contributions. */
export const REWARD_RULES = ['equal', 'fixed', 'proportional', 'shapley'] as const;
/** When pay is due: on award (before any work), or on delivery (pool = share of the value actually delivered). */
export const BASES = ['award', 'delivery'] as const;
export const SLASH_CONDITIONS = ['no_delivery', 'bad_work'] as const;
/** `accept`: a dispute is upheld on the disputer's word. `verified`: it triggers an audit (T4) and a false one forfeits the bond. */
export const DISPUTE_PROCEDURES = ['accept', 'verified'] as const;

export type AllocRule = (typeof ALLOC_RULES)[number];
export type RewardRule = (typeof REWARD_RULES)[number];
export type Basis = (typeof BASES)[number];
export type SlashCondition = (typeof SLASH_CONDITIONS)[number];
export type DisputeProcedure = (typeof DISPUTE_PROCEDURES)[number];

export const MAX_TEAM = 16;
export const BP = 10_000;
/** 10^9 milli-credits: far above any task value; bounds what a peer's spec can make us compute with. */
export const MAX_MONEY = 1_000_000_000;
export const MAX_TIER = 4;

export interface Mechanism {
  readonly version: number;
  readonly alloc: { readonly rule: AllocRule; readonly teamSize: number };
  readonly reward: { readonly rule: RewardRule; readonly basis: Basis; readonly poolBp: number };
  readonly deposit: number;
  /** Fraction (bp) of the deposit burned on each condition; an absent condition slashes nothing. */
  readonly slashing: Readonly<Partial<Record<SlashCondition, number>>>;
  readonly audit: { readonly rateBp: number };
  readonly requiredTier: number;
  readonly dispute: { readonly procedure: DisputeProcedure; readonly bond: number };
}

/** Clause ids: what attribution names and what an edit addresses. */
export const CLAUSE_IDS = [
  'alloc',
  'reward',
  'deposit',
  'slash.no_delivery',
  'slash.bad_work',
  'audit',
  'tier',
  'dispute',
] as const;
export type ClauseId = (typeof CLAUSE_IDS)[number];

/** The editable fields of each clause, with their kind and range (the edit validator and the LLM prompt both read this). */
export const CLAUSE_FIELDS: Readonly<
  Record<ClauseId, Readonly<Record<string, readonly string[] | readonly [number, number]>>>
> = {
  alloc: { rule: ALLOC_RULES, teamSize: [1, MAX_TEAM] },
  reward: { rule: REWARD_RULES, basis: BASES, poolBp: [0, BP] },
  deposit: { amount: [0, MAX_MONEY] },
  'slash.no_delivery': { bp: [0, BP] },
  'slash.bad_work': { bp: [0, BP] },
  audit: { rateBp: [0, BP] },
  tier: { required: [0, MAX_TIER] },
  dispute: { procedure: DISPUTE_PROCEDURES, bond: [0, MAX_MONEY] },
};

/** The naive starting point of the mechanism-generation loop: everyone who bids shares a fixed budget equally, paid on award, nothing at stake. */
export function naiveMechanism(): Mechanism {
  return {
    version: 1,
    alloc: { rule: 'all', teamSize: MAX_TEAM },
    reward: { rule: 'equal', basis: 'award', poolBp: 8000 },
    deposit: 0,
    slashing: {},
    audit: { rateBp: 0 },
    requiredTier: 0,
    dispute: { procedure: 'accept', bond: 0 },
  };
}

/** The value of one field of one clause, as an edit sees it. */
export function clauseField(m: Mechanism, clause: ClauseId, field: string): string | number {
  switch (clause) {
    case 'alloc':
      return field === 'rule' ? m.alloc.rule : m.alloc.teamSize;
    case 'reward':
      return field === 'rule' ? m.reward.rule : field === 'basis' ? m.reward.basis : m.reward.poolBp;
    case 'deposit':
      return m.deposit;
    case 'slash.no_delivery':
      return m.slashing.no_delivery ?? 0;
    case 'slash.bad_work':
      return m.slashing.bad_work ?? 0;
    case 'audit':
      return m.audit.rateBp;
    case 'tier':
      return m.requiredTier;
    case 'dispute':
      return field === 'procedure' ? m.dispute.procedure : m.dispute.bond;
  }
}

// ---------------------------------------------------------------- edits

export interface EditOp {
  readonly clause: ClauseId;
  readonly field: string;
  readonly value: string | number;
}
/** An edit (one step of the "semantic gradient"): field assignments on named clauses. */
export interface Edit {
  readonly ops: readonly EditOp[];
}

export type EditCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Validates an edit against CLAUSE_FIELDS without applying it (an LLM's edit is untrusted input). */
export function checkEdit(e: unknown): EditCheck {
  if (typeof e !== 'object' || e === null || !Array.isArray((e as Edit).ops))
    return { ok: false, reason: 'edit must be {ops: [...]}' };
  const ops = (e as Edit).ops;
  if (ops.length === 0 || ops.length > 8) return { ok: false, reason: 'edit must have 1..8 ops' };
  for (const op of ops) {
    if (typeof op !== 'object' || op === null) return { ok: false, reason: 'op must be an object' };
    const fields = (CLAUSE_FIELDS as Record<string, Record<string, readonly unknown[]> | undefined>)[op.clause];
    if (!fields) return { ok: false, reason: `unknown clause ${String(op.clause)}` };
    const spec = fields[op.field];
    if (!spec) return { ok: false, reason: `clause ${op.clause} has no field ${String(op.field)}` };
    if (typeof spec[0] === 'string') {
      if (typeof op.value !== 'string' || !spec.includes(op.value))
        return { ok: false, reason: `${op.clause}.${op.field} must be one of ${spec.join('|')}` };
    } else {
      const [lo, hi] = spec as readonly [number, number];
      if (typeof op.value !== 'number' || !Number.isSafeInteger(op.value) || op.value < lo || op.value > hi) {
        return { ok: false, reason: `${op.clause}.${op.field} must be an integer in ${lo}..${hi}` };
      }
    }
  }
  return { ok: true };
}

/** Applies a valid edit and bumps the version. Throws RangeError on an invalid edit (check first for untrusted edits). */
export function applyEdit(m: Mechanism, e: Edit): Mechanism {
  const c = checkEdit(e);
  if (!c.ok) throw new RangeError(`applyEdit: ${c.reason}`);
  let alloc = { ...m.alloc };
  let reward = { ...m.reward };
  let deposit = m.deposit;
  const slashing: Partial<Record<SlashCondition, number>> = { ...m.slashing };
  let audit = { ...m.audit };
  let requiredTier = m.requiredTier;
  let dispute = { ...m.dispute };
  for (const { clause, field, value } of e.ops) {
    const n = value as number;
    switch (clause) {
      case 'alloc':
        alloc = field === 'rule' ? { ...alloc, rule: value as AllocRule } : { ...alloc, teamSize: n };
        break;
      case 'reward':
        reward =
          field === 'rule'
            ? { ...reward, rule: value as RewardRule }
            : field === 'basis'
              ? { ...reward, basis: value as Basis }
              : { ...reward, poolBp: n };
        break;
      case 'deposit':
        deposit = n;
        break;
      case 'slash.no_delivery':
      case 'slash.bad_work': {
        const cond = clause.slice(6) as SlashCondition;
        if (n === 0) delete slashing[cond];
        else slashing[cond] = n;
        break;
      }
      case 'audit':
        audit = { rateBp: n };
        break;
      case 'tier':
        requiredTier = n;
        break;
      case 'dispute':
        dispute =
          field === 'procedure' ? { ...dispute, procedure: value as DisputeProcedure } : { ...dispute, bond: n };
        break;
    }
  }
  return { version: m.version + 1, alloc, reward, deposit, slashing, audit, requiredTier, dispute };
}

export function describeEdit(m: Mechanism, e: Edit): string {
  return e.ops
    .map((o) => `${o.clause}.${o.field} ${String(clauseField(m, o.clause, o.field))}->${String(o.value)}`)
    .join('; ');
}

/** One line per clause, addressed by id (used in reports and in the LLM prompt). */
export function describeMechanism(m: Mechanism): string {
  return [
    `v${m.version}`,
    `alloc: rule=${m.alloc.rule} teamSize=${m.alloc.teamSize}`,
    `reward: rule=${m.reward.rule} basis=${m.reward.basis} poolBp=${m.reward.poolBp}`,
    `deposit: amount=${m.deposit}`,
    `slash.no_delivery: bp=${m.slashing.no_delivery ?? 0}`,
    `slash.bad_work: bp=${m.slashing.bad_work ?? 0}`,
    `audit: rateBp=${m.audit.rateBp}`,
    `tier: required=${m.requiredTier}`,
    `dispute: procedure=${m.dispute.procedure} bond=${m.dispute.bond}`,
  ].join('\n');
}

// ---------------------------------------------------------------- canonical CBOR

export function mechanismToCbor(m: Mechanism): CborMap {
  const slashing: CborValue[] = SLASH_CONDITIONS.flatMap((c, i) => (m.slashing[c] ? [[i, m.slashing[c]!]] : []));
  return mapOf([
    [0, 1],
    [1, m.version],
    [
      2,
      mapOf([
        [0, ALLOC_RULES.indexOf(m.alloc.rule)],
        [1, m.alloc.teamSize],
      ]),
    ],
    [
      3,
      mapOf([
        [0, REWARD_RULES.indexOf(m.reward.rule)],
        [1, BASES.indexOf(m.reward.basis)],
        [2, m.reward.poolBp],
      ]),
    ],
    [4, m.deposit],
    [5, slashing],
    [6, mapOf([[0, m.audit.rateBp]])],
    [7, m.requiredTier],
    [
      8,
      mapOf([
        [0, DISPUTE_PROCEDURES.indexOf(m.dispute.procedure)],
        [1, m.dispute.bond],
      ]),
    ],
  ]);
}

/** Canonical bytes of a spec: the payload a requester signs (COSE_Sign1, content type agentnet/mechanism/1). */
export function encodeMechanism(m: Mechanism): Uint8Array {
  const c = checkMechanism(m);
  if (c) throw new RangeError(`encodeMechanism: ${c}`);
  return encodeCbor(mechanismToCbor(m));
}

/** Range errors of a spec built in code (misuse), or undefined when it is valid. */
export function checkMechanism(m: Mechanism): string | undefined {
  const int = (v: number, lo: number, hi: number) => Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (!int(m.version, 1, Number.MAX_SAFE_INTEGER)) return 'version must be >= 1';
  if (!ALLOC_RULES.includes(m.alloc.rule) || !int(m.alloc.teamSize, 1, MAX_TEAM)) return 'bad alloc clause';
  if (!REWARD_RULES.includes(m.reward.rule) || !BASES.includes(m.reward.basis) || !int(m.reward.poolBp, 0, BP))
    return 'bad reward clause';
  if (!int(m.deposit, 0, MAX_MONEY)) return 'bad deposit';
  for (const [k, v] of Object.entries(m.slashing))
    if (!SLASH_CONDITIONS.includes(k as SlashCondition) || !int(v, 1, BP)) return `bad slashing ${k}`;
  if (!int(m.audit.rateBp, 0, BP)) return 'bad audit clause';
  if (!int(m.requiredTier, 0, MAX_TIER)) return 'bad tier';
  if (!DISPUTE_PROCEDURES.includes(m.dispute.procedure) || !int(m.dispute.bond, 0, MAX_MONEY))
    return 'bad dispute clause';
  return undefined;
}

const bp = (min = 0) => ({ t: 'uint', min, max: BP }) as const;
const MONEY = { t: 'uint', max: MAX_MONEY } as const;
/** The mechanism's CBOR map and its clauses (docs/spec/tasks.md shows them). */
export const MECHANISM: ObjectSpec = {
  name: 'mechanism',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1 (format)' },
    { key: 1, name: 'version', type: { t: 'uint', min: 1 }, doc: 'bumped by every accepted edit' },
    {
      key: 2,
      name: 'alloc',
      type: {
        t: 'map',
        spec: {
          name: 'mechanism.alloc',
          fields: [
            { key: 0, name: 'rule', type: { t: 'enum', names: ALLOC_RULES }, doc: 'who gets the task' },
            { key: 1, name: 'teamSize', type: { t: 'uint', min: 1, max: MAX_TEAM }, doc: 'workers awarded' },
          ],
        },
      },
      doc: 'allocation clause',
    },
    {
      key: 3,
      name: 'reward',
      type: {
        t: 'map',
        spec: {
          name: 'mechanism.reward',
          fields: [
            { key: 0, name: 'rule', type: { t: 'enum', names: REWARD_RULES }, doc: 'how the pool is split' },
            { key: 1, name: 'basis', type: { t: 'enum', names: BASES }, doc: 'when pay is due' },
            { key: 2, name: 'poolBp', type: bp(), doc: 'share of the budget paid out, basis points' },
          ],
        },
      },
      doc: 'reward clause',
    },
    { key: 4, name: 'deposit', type: MONEY, doc: 'milli-credits the awarded worker posts' },
    {
      key: 5,
      name: 'slashing',
      type: {
        t: 'list',
        of: { t: 'tuple', items: [{ t: 'enum', names: SLASH_CONDITIONS }, bp(1)] },
        maxItems: SLASH_CONDITIONS.length,
      },
      doc: '[condition, bp of the deposit burned] pairs, sorted by condition, no repeats',
    },
    {
      key: 6,
      name: 'audit',
      type: {
        t: 'map',
        spec: { name: 'mechanism.audit', fields: [{ key: 0, name: 'rateBp', type: bp(), doc: 'audit rate' }] },
      },
      doc: 'audit clause',
    },
    { key: 7, name: 'requiredTier', type: { t: 'uint', max: MAX_TIER }, doc: 'tier a bidder must have passed' },
    {
      key: 8,
      name: 'dispute',
      type: {
        t: 'map',
        spec: {
          name: 'mechanism.dispute',
          fields: [
            {
              key: 0,
              name: 'procedure',
              type: { t: 'enum', names: DISPUTE_PROCEDURES },
              doc: 'how a dispute is decided',
            },
            { key: 1, name: 'bond', type: MONEY, doc: 'milli-credits a disputer stakes' },
          ],
        },
      },
      doc: 'dispute clause',
    },
  ],
};

/** Strict decoder: canonical bytes of a valid v1 spec, else a DecodeError naming the field. */
export function decodeMechanism(bytes: Uint8Array, maxBytes = 1024): Mechanism {
  const m = asMap(decodeCbor(bytes, { maxBytes, maxDepth: 4 }), 'mechanism');
  const r = readObject(m, MECHANISM, DEFAULT_LIMITS) as unknown as Omit<Mechanism, 'slashing'> & {
    slashing: Array<[SlashCondition, number]>;
  };
  const slashing: Partial<Record<SlashCondition, number>> = {};
  let prev = -1;
  for (const [cond, n] of r.slashing) {
    const ci = SLASH_CONDITIONS.indexOf(cond);
    if (ci <= prev)
      throw decodeError('BAD_VALUE', 'mechanism: slashing conditions must be sorted and unique', 'slashing');
    slashing[cond] = n;
    prev = ci;
  }
  return {
    version: r.version,
    alloc: r.alloc,
    reward: r.reward,
    deposit: r.deposit,
    slashing,
    audit: r.audit,
    requiredTier: r.requiredTier,
    dispute: r.dispute,
  };
}
