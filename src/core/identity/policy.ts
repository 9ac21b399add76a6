// Which verification tier each interaction needs (docs/architecture.md §6). Cheap tiers on every message, expensive
// ones only where risk warrants. A node may raise tiers (never lower them below T1 for signed data).

export type Tier = 0 | 1 | 2 | 3 | 4;
export const INTERACTIONS = ['header', 'body', 'frontier', 'bid', 'award', 'highValueTask', 'dispute'] as const;
export type Interaction = (typeof INTERACTIONS)[number];

export const DEFAULT_POLICY: Readonly<Record<Interaction, Tier>> = Object.freeze({
  header: 1, // T1: entry signature by a T2-verified agent key (T0 for duplicates)
  body: 1, // covered by the header's bodyHash; the header passed T1
  frontier: 1,
  bid: 2, // the binding itself is re-checked: window, chain, revocation
  award: 2,
  highValueTask: 3, // code attestation + operator KYC
  dispute: 4, // fraud proofs feed slashing
});

export interface Policy {
  readonly tiers: Readonly<Record<Interaction, Tier>>;
  /** Tasks with a budget at or above this many credits count as high value. */
  readonly highValueCredits: number;
}

export const DEFAULT_POLICY_CONFIG: Policy = { tiers: DEFAULT_POLICY, highValueCredits: 1000 };

export function makePolicy(over: Partial<Record<Interaction, number>> = {}, highValueCredits = 1000): Policy {
  const tiers = { ...DEFAULT_POLICY } as Record<Interaction, Tier>;
  for (const [k, v] of Object.entries(over)) {
    if (!INTERACTIONS.includes(k as Interaction)) throw new RangeError(`policy: unknown interaction ${k}`);
    if (!Number.isInteger(v) || v! < 0 || v! > 4) throw new RangeError(`policy: tier for ${k} must be 0..4`);
    if (k !== 'dispute' && v! < DEFAULT_POLICY[k as Interaction] && v! < 1)
      throw new RangeError(`policy: ${k} cannot go below T1`);
    tiers[k as Interaction] = v as Tier;
  }
  return { tiers, highValueCredits };
}

/** The tier an interaction needs; a task above the value threshold needs at least T3. */
export function requiredTier(p: Policy, i: Interaction, valueCredits = 0): Tier {
  const t = p.tiers[i];
  return (i === 'bid' || i === 'award') && valueCredits >= p.highValueCredits
    ? (Math.max(t, p.tiers.highValueTask) as Tier)
    : t;
}
