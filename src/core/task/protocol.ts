// The task protocol's state machine (docs/architecture.md §8; docs/conventions.md §1): every transition of both roles is in the
// table below, and the engine (engine.ts) refuses any input the table does not list for the current
// state. Inputs are messages from the other party (bid, award, ...), calls of the local agent layer
// (post, bidFor, deliver, rate; see engine.ts) and timers (retry, bidDeadline, deliverBy, settleBy),
// which come from `now` via handleTimeout/pollTimeout, never from a timer of our own (docs/conventions.md §2).
//
// Rules:
//  - Requester: a task is posted (escrowing its budget) in `open`. Bids are accepted until the bid
//    deadline from bidders whose binding passes T2 now and whose tier reaches the task's required tier;
//    a bid above the budget or after the deadline is refused. A bidder may revise its bid until the
//    deadline: its latest bid (by signed time) replaces the earlier one, and every price it signed binds
//    it (it accepts an award at any of them: a revision can arrive too late). At the deadline the mechanism's allocation
//    picks one worker and the requester signs an award (the worker posts its deposit), or, without a
//    valid bid, the task expires and the budget goes back. Before the deadline the requester may cancel
//    (`canceled`): the budget goes back as for an expired task, later bids are refused as late, and invited
//    workers end `lost` at the deadline as for any task they did not win. An awarded task cannot be
//    canceled: the award is a signed commitment the worker acts on.
//  - The worker delivers by hash (its artefact is published as a retained body and sent on `fetch`); the
//    requester checks the hash, rates (0..1000) and signs the receipt; the worker co-signs; the requester
//    publishes the co-signed receipt in its topic log and both ledgers post the same settlement.
//  - Withheld delivery (nothing by deliverBy, or a hash whose artefact never comes by settleBy) is a
//    default: the mechanism's slash.no_delivery share of the deposit burns, the rest and the budget go
//    back. No co-signed receipt by settleBy: nothing is paid, deposit and budget go back (`unsigned` /
//    `unrated`). No receipt, no payment. A delivered artefact that failed the task's acceptance check burns the
//    mechanism's slash.bad_work share of the deposit at the end, co-signed or not (both sides ran the check).
//  - Every message a party sends is re-sent on `retry` (1, 2, 4, 8 × retryMs) until the state moves on;
//    every receiver answers a duplicate the same way, so retries are idempotent.
//  - A second, different award signed by the requester for the same task is a `double_award`: refused,
//    and both signed awards are kept as evidence of equivocation. When it names another worker it is a
//    dispute proof any node can check (dispute.ts): the worker publishes it (trust slashes the requester)
//    and, unless already settled, the task is `disputed`: work stops, deposit and budget go back.

export const ROLES = ['requester', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const INPUTS = [
  // messages
  'invite',
  'bid',
  'award',
  'delivery',
  'fetch',
  'artefact',
  'rate',
  'cosign',
  // local calls (agent layer or policy)
  'bidFor',
  'deliver',
  'rateFor',
  'cancel',
  // timers
  'retry',
  'bidDeadline',
  'deliverBy',
  'settleBy',
] as const;
export type Input = (typeof INPUTS)[number];

type Table = Readonly<Record<string, Readonly<Partial<Record<Input, readonly string[]>>>>>;

/** state -> input -> states it may lead to (a state absent from its own row is left by that input). */
export const TRANSITIONS = {
  requester: {
    open: { bid: ['open'], retry: ['open'], bidDeadline: ['awarded', 'expired'], cancel: ['canceled'] },
    awarded: { delivery: ['fetching'], retry: ['awarded'], deliverBy: ['defaulted'] },
    fetching: { delivery: ['fetching'], artefact: ['delivered'], retry: ['fetching'], settleBy: ['defaulted'] },
    delivered: { delivery: ['delivered'], rateFor: ['rated'], settleBy: ['unsigned'] },
    rated: { delivery: ['rated'], cosign: ['settled'], retry: ['rated'], settleBy: ['unsigned'] },
    settled: { delivery: ['settled'], cosign: ['settled'] },
    expired: {},
    canceled: {},
    defaulted: {},
    unsigned: {},
  },
  worker: {
    invited: { invite: ['invited'], bidFor: ['bidding'], bidDeadline: ['lost'] },
    bidding: { invite: ['bidding'], bidFor: ['bidding'], award: ['awarded'], retry: ['bidding'], deliverBy: ['lost'] },
    awarded: { invite: ['awarded'], award: ['awarded', 'disputed'], deliver: ['delivering'], deliverBy: ['defaulted'] },
    delivering: {
      award: ['delivering', 'disputed'],
      fetch: ['delivering'],
      rate: ['settled'],
      retry: ['delivering'],
      settleBy: ['unrated'],
    },
    settled: { award: ['settled'], fetch: ['settled'], rate: ['settled'] },
    lost: {},
    defaulted: {},
    unrated: {},
    disputed: {},
  },
} as const satisfies Readonly<Record<Role, Table>>;

export type RequesterState = keyof (typeof TRANSITIONS)['requester'];
export type WorkerState = keyof (typeof TRANSITIONS)['worker'];
export type TaskState = RequesterState | WorkerState;

/** The states a given input may lead to from `state`, or undefined when the table does not allow it. */
export function allowed(role: Role, state: TaskState, input: Input): readonly string[] | undefined {
  const row = (TRANSITIONS[role] as Table)[state];
  return row?.[input];
}

/** Per role, the states with no transition out (read on every timer poll, so computed once). */
const TERMINAL: Readonly<Record<Role, ReadonlySet<string>>> = {
  requester: terminalStates('requester'),
  worker: terminalStates('worker'),
};

function terminalStates(role: Role): ReadonlySet<string> {
  const t = TRANSITIONS[role] as Table;
  return new Set(Object.keys(t).filter((s) => Object.keys(t[s as TaskState] ?? {}).length === 0));
}

export function isTerminal(role: Role, state: TaskState): boolean {
  return !(TRANSITIONS[role] as Table)[state] || TERMINAL[role].has(state);
}

/** Timer inputs a state listens to, with the record field holding each deadline. */
export const TIMERS = ['retry', 'bidDeadline', 'deliverBy', 'settleBy'] as const satisfies readonly Input[];
export type TimerInput = (typeof TIMERS)[number];

/** Why a task message (or an agent-layer call) was refused. Closed set, counted per reason. */
export const TASK_REJECTS = [
  'malformed', // DecodeError on the message, the announce, its body or its mechanism
  'bad_signature', // a task message, announce entry, mechanism or receipt signature does not verify
  'binding_invalid', // the sender's binding fails T2 (or is for another key)
  'wrong_tier', // bidder (or awarding requester) below the tier the task (or our policy) requires
  'unknown_task', // no such task here
  'not_party', // the signer is not the requester / awarded worker of this task
  'late_bid', // bid after the bid deadline
  'over_budget', // bid above the task's budget
  'double_award', // a second, different award for the same task (equivocation evidence kept)
  'bad_delivery', // artefact does not hash to the delivered hash / length
  'bad_terms', // award price or receipt amount not what the bid and mechanism give
  'unexpected', // an input the transition table does not allow in the current state
  'full', // too many open tasks
  'replayed', // a fetch not newer (by its signed ts) than the last one answered: a copy taken off the wire
] as const;
export type TaskReject = (typeof TASK_REJECTS)[number];
