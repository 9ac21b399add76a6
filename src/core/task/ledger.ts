// The credit ledger port (docs/architecture.md §8 settlement) and its rules. Double entry: every posting moves a
// positive integer amount of milli-credits from one account to another, so the sum over all accounts
// is always 0. Credits enter circulation only by `grant` (from the `issuance` account, which is the one
// account allowed below zero) and leave it only by `burn` (into the `burn` account, which nothing
// leaves). Agent and escrow accounts never go below zero. Rules (the only postings there are):
//
//   rule     from          to            when
//   grant    issuance      agent:<key>   the first time an agent's account is used (its allowance)
//   escrow   agent:<key>   escrow:<task> a requester's budget on posting, a worker's deposit on award
//   reward   escrow:<task> agent:<key>   the worker's pay at settlement (co-signed receipt)
//   refund   escrow:<task> agent:<key>   what is left of a budget or a deposit when the task ends
//   burn     escrow:<task> burn          a slashed deposit (mechanism slashing: withheld delivery, bad work)
//
// Each node keeps its own ledger of the tasks it took part in; another agent's balance there is this
// node's view of it. Both parties post the same postings for a task (computed by `settlement` from the
// signed messages), so their ledgers agree on every task they share. Implementations: MemoryCreditLedger
// here, SqliteCreditLedger in src/runtime/store/credit-ledger.ts; both run test/contract/ledger.contract.ts.

export const RULES = ['grant', 'escrow', 'reward', 'refund', 'burn'] as const;
export type Rule = (typeof RULES)[number];

export const ISSUANCE = 'issuance';
export const BURN = 'burn';
export const agentAccount = (hex: string): string => `agent:${hex}`;
export const escrowAccount = (taskId: string): string => `escrow:${taskId}`;

export interface Posting {
  readonly task: string;
  readonly rule: Rule;
  readonly from: string;
  readonly to: string;
  /** milli-credits, a positive safe integer */
  readonly amount: number;
  readonly ts: number;
}

export interface LedgerTotals {
  /** credits ever granted (−balance of issuance) */
  readonly issued: number;
  readonly burned: number;
  /** sum of agent and escrow balances: issued − burned when conserved */
  readonly circulating: number;
  /** sum of every balance: 0 when conserved */
  readonly sum: number;
}

export interface CreditLedger {
  /** Applies one posting after `checkPosting`; throws RangeError (misuse, nothing written) otherwise. */
  post(p: Posting): void;
  balance(account: string): number;
  /** True once any posting touched the account. */
  has(account: string): boolean;
  postings(task?: string): Posting[];
  totals(): LedgerTotals;
}

const KIND: Record<Rule, readonly [RegExp, RegExp]> = {
  grant: [/^issuance$/, /^agent:[0-9a-f]{64}$/],
  escrow: [/^agent:[0-9a-f]{64}$/, /^escrow:[0-9a-f]{64}$/],
  reward: [/^escrow:[0-9a-f]{64}$/, /^agent:[0-9a-f]{64}$/],
  refund: [/^escrow:[0-9a-f]{64}$/, /^agent:[0-9a-f]{64}$/],
  burn: [/^escrow:[0-9a-f]{64}$/, /^burn$/],
};

/** The ledger's rules for one posting given the current balance of its source; undefined = allowed. */
export function checkPosting(p: Posting, fromBalance: number): string | undefined {
  if (!RULES.includes(p.rule)) return `unknown rule ${String(p.rule)}`;
  if (!Number.isSafeInteger(p.amount) || p.amount <= 0) return `amount must be a positive integer, got ${p.amount}`;
  const [from, to] = KIND[p.rule];
  if (!from.test(p.from) || !to.test(p.to))
    return `${p.rule} moves ${from.source} -> ${to.source}, not ${p.from} -> ${p.to}`;
  if (p.rule !== 'grant' && p.rule !== 'escrow' && p.from !== escrowAccount(p.task))
    return `${p.rule} must draw on the task's own escrow`;
  if (p.rule === 'escrow' && p.to !== escrowAccount(p.task)) return "escrow must go to the task's own escrow";
  if (p.from !== ISSUANCE && fromBalance < p.amount) return `${p.from} holds ${fromBalance} < ${p.amount}`;
  return undefined;
}

export class MemoryCreditLedger implements CreditLedger {
  private readonly bal = new Map<string, number>();
  private readonly list: Posting[] = [];

  post(p: Posting): void {
    const why = checkPosting(p, this.balance(p.from));
    if (why) throw new RangeError(`ledger: ${why}`);
    this.bal.set(p.from, this.balance(p.from) - p.amount);
    this.bal.set(p.to, this.balance(p.to) + p.amount);
    this.list.push({ ...p });
  }
  balance(account: string): number {
    return this.bal.get(account) ?? 0;
  }
  has(account: string): boolean {
    return this.bal.has(account);
  }
  postings(task?: string): Posting[] {
    return this.list.filter((p) => task === undefined || p.task === task);
  }
  totals(): LedgerTotals {
    return totalsOf(this.bal);
  }
}

export function totalsOf(balances: ReadonlyMap<string, number>): LedgerTotals {
  let sum = 0;
  let circulating = 0;
  for (const [a, b] of balances) {
    sum += b;
    if (a !== ISSUANCE && a !== BURN) circulating += b;
  }
  return { issued: 0 - (balances.get(ISSUANCE) ?? 0), burned: balances.get(BURN) ?? 0, circulating, sum };
}

// ---------------------------------------------------------------- what a task posts

/** How a task ended, as both parties can tell from the signed messages they hold. */
export type TaskEnd =
  | ({ readonly kind: 'settled'; readonly worker: string; readonly amount: number; readonly deposit: number } & BadWork)
  /** no valid bid by the deadline */
  | { readonly kind: 'expired' }
  /** the requester canceled it before the bid deadline (no award was signed) */
  | { readonly kind: 'canceled' }
  /** the awarded worker withheld delivery: `slashBp` of its deposit burns (mechanism slash.no_delivery) */
  | { readonly kind: 'defaulted'; readonly worker: string; readonly deposit: number; readonly slashBp: number }
  /** delivered, but no co-signed receipt by settleBy: nothing is paid, everything goes back */
  | ({ readonly kind: 'unsigned'; readonly worker: string; readonly deposit: number } & BadWork)
  /** the requester signed a second award naming another worker (a verified dispute proof, dispute.ts): the task
   *  is void, everything goes back; the requester's penalty is trust slashing, not credits */
  | { readonly kind: 'disputed'; readonly worker: string; readonly deposit: number };

/**
 * The delivered artefact failed the task's acceptance check (codec/accept.ts), which both parties run on the same
 * bytes: `badWorkBp` of the deposit burns (mechanism slash.bad_work) whether or not the receipt was co-signed.
 */
export interface BadWork {
  readonly badWorkBp?: number;
}

/** Postings that open a task's escrow (the requester's budget) and add the worker's deposit on award. */
export function openPostings(task: string, requester: string, budget: number, ts: number): Posting[] {
  return budget > 0
    ? [{ task, rule: 'escrow', from: agentAccount(requester), to: escrowAccount(task), amount: budget, ts }]
    : [];
}
export function depositPostings(task: string, worker: string, deposit: number, ts: number): Posting[] {
  return deposit > 0
    ? [{ task, rule: 'escrow', from: agentAccount(worker), to: escrowAccount(task), amount: deposit, ts }]
    : [];
}

/** Postings that close a task's escrow to exactly 0 (budget + deposit in, all of it out). */
export function settlement(task: string, requester: string, budget: number, end: TaskEnd, ts: number): Posting[] {
  const out: Posting[] = [];
  const esc = escrowAccount(task);
  const move = (rule: Rule, to: string, amount: number) => {
    if (amount > 0) out.push({ task, rule, from: esc, to, amount, ts });
  };
  switch (end.kind) {
    case 'settled': {
      if (end.amount > budget) throw new RangeError(`settlement: amount ${end.amount} exceeds budget ${budget}`);
      const burned = slashed(end.deposit, end.badWorkBp);
      move('reward', agentAccount(end.worker), end.amount);
      move('burn', BURN, burned);
      move('refund', agentAccount(end.worker), end.deposit - burned);
      move('refund', agentAccount(requester), budget - end.amount);
      break;
    }
    case 'expired':
    case 'canceled':
      move('refund', agentAccount(requester), budget);
      break;
    case 'defaulted': {
      const burned = slashed(end.deposit, end.slashBp);
      move('burn', BURN, burned);
      move('refund', agentAccount(end.worker), end.deposit - burned);
      move('refund', agentAccount(requester), budget);
      break;
    }
    case 'unsigned': {
      const burned = slashed(end.deposit, end.badWorkBp);
      move('burn', BURN, burned);
      move('refund', agentAccount(end.worker), end.deposit - burned);
      move('refund', agentAccount(requester), budget);
      break;
    }
    case 'disputed':
      move('refund', agentAccount(end.worker), end.deposit);
      move('refund', agentAccount(requester), budget);
      break;
  }
  return out;
}

/** How a task's status names a bad-work burn ('' when there is none). */
export function badWorkNote(deposit: number, b: BadWork): string {
  return b.badWorkBp === undefined
    ? ''
    : `; the artefact failed the acceptance check: ${slashed(deposit, b.badWorkBp)} of the deposit burned`;
}

/** The part of a deposit that `bp` basis points of it burn (rounded down; none when bp is absent). */
export function slashed(deposit: number, bp: number | undefined): number {
  return Math.floor((deposit * (bp ?? 0)) / 10_000);
}
