// The credit ledger contract (src/core/task/ledger.ts), run against the memory and the SQLite ledger
// (docs/conventions.md §8): its rules, and conservation as a property test: whatever sequence of postings is tried,
// valid ones applied and invalid ones refused, credits are never created or destroyed except by
// `grant` (from issuance) and `burn` (into burn), every balance but issuance stays >= 0, and every task
// that ends (any way) closes its escrow to exactly 0.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agentAccount,
  BURN,
  depositPostings,
  escrowAccount,
  ISSUANCE,
  MemoryCreditLedger,
  openPostings,
  RULES,
  settlement,
  type CreditLedger,
  type Posting,
  type TaskEnd,
} from '../../src/core/task/ledger.js';
import { MemoryTaskStore, type TaskRecord, type TaskStore } from '../../src/core/task/store.js';
import { SqliteCreditLedger, SqliteTaskStore } from '../../src/runtime/store/credit-ledger.js';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const T1 = '1'.repeat(64);
const T2 = '2'.repeat(64);

type Make = () => {
  ledger: CreditLedger;
  tasks: TaskStore;
  reopen?: () => { ledger: CreditLedger; tasks: TaskStore };
  cleanup?: () => void;
};

function contract(name: string, make: Make) {
  describe(`credit ledger contract: ${name}`, () => {
    it('applies the five rules and refuses everything else, writing nothing', () => {
      const { ledger: l, cleanup } = make();
      l.post({ task: T1, rule: 'grant', from: ISSUANCE, to: agentAccount(A), amount: 1000, ts: 1 });
      l.post({ task: T1, rule: 'escrow', from: agentAccount(A), to: escrowAccount(T1), amount: 600, ts: 2 });
      l.post({ task: T1, rule: 'reward', from: escrowAccount(T1), to: agentAccount(B), amount: 100, ts: 3 });
      l.post({ task: T1, rule: 'burn', from: escrowAccount(T1), to: BURN, amount: 50, ts: 3 });
      l.post({ task: T1, rule: 'refund', from: escrowAccount(T1), to: agentAccount(A), amount: 450, ts: 3 });
      const bad: Posting[] = [
        { task: T1, rule: 'escrow', from: agentAccount(B), to: escrowAccount(T1), amount: 101, ts: 4 }, // overdraft
        { task: T1, rule: 'reward', from: escrowAccount(T1), to: agentAccount(B), amount: 1, ts: 4 }, // empty escrow
        { task: T1, rule: 'grant', from: agentAccount(A), to: agentAccount(B), amount: 1, ts: 4 }, // grant not from issuance
        { task: T1, rule: 'burn', from: agentAccount(A), to: BURN, amount: 1, ts: 4 }, // burn not from escrow
        { task: T1, rule: 'escrow', from: agentAccount(A), to: escrowAccount(T2), amount: 1, ts: 4 }, // another task's escrow
        { task: T1, rule: 'refund', from: escrowAccount(T1), to: BURN, amount: 1, ts: 4 },
        { task: T1, rule: 'grant', from: ISSUANCE, to: agentAccount(A), amount: 0, ts: 4 },
        { task: T1, rule: 'grant', from: ISSUANCE, to: agentAccount(A), amount: 1.5, ts: 4 },
        { task: T1, rule: 'mint' as never, from: ISSUANCE, to: agentAccount(A), amount: 1, ts: 4 },
      ];
      for (const p of bad) expect(() => l.post(p)).toThrow(RangeError);
      expect(l.postings()).toHaveLength(5);
      expect(l.postings(T1).map((p) => p.rule)).toEqual(['grant', 'escrow', 'reward', 'burn', 'refund']);
      expect([
        l.balance(agentAccount(A)),
        l.balance(agentAccount(B)),
        l.balance(escrowAccount(T1)),
        l.balance(BURN),
        l.balance(ISSUANCE),
      ]).toEqual([850, 100, 0, 50, -1000]);
      expect(l.totals()).toEqual({ issued: 1000, burned: 50, circulating: 950, sum: 0 });
      expect(l.has(agentAccount(C))).toBe(false);
      cleanup?.();
    });

    it('property: random postings never create or destroy credits outside grant and burn', () => {
      const accts = [
        ISSUANCE,
        BURN,
        agentAccount(A),
        agentAccount(B),
        agentAccount(C),
        escrowAccount(T1),
        escrowAccount(T2),
      ];
      const amount = fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 300 }), weight: 8 },
        { arbitrary: fc.integer({ min: 301, max: 5000 }), weight: 1 },
        { arbitrary: fc.integer({ min: -5, max: 0 }), weight: 1 },
      );
      const agent = fc.constantFrom(A, B, C).map(agentAccount);
      // Four in five shaped like the rules, one in five anything at all. Shaped postings fill before they
      // drain (grants and escrows twice as likely, grants ten times larger), so that balances really move:
      // over 1,000 seeds of 40 runs the applied share was 13-36% (median 24%), and refusals the rest.
      const rule = fc.constantFrom<Posting['rule']>('grant', 'grant', 'escrow', 'escrow', 'reward', 'burn', 'refund');
      const shaped = fc
        .tuple(fc.constantFrom(T1, T2), rule, agent, amount, fc.nat())
        .map(([task, r, ag, amt, ts]): Posting => {
          const esc = escrowAccount(task);
          const [from, to] =
            r === 'grant' ? [ISSUANCE, ag] : r === 'escrow' ? [ag, esc] : r === 'burn' ? [esc, BURN] : [esc, ag];
          return { task, rule: r, from, to, amount: r === 'grant' && amt > 0 ? amt * 10 : amt, ts };
        });
      const anything = fc.record({
        task: fc.constantFrom(T1, T2),
        rule: fc.constantFrom(...RULES),
        from: fc.constantFrom(...accts),
        to: fc.constantFrom(...accts),
        amount,
        ts: fc.nat(),
      });
      const posting = fc.oneof({ arbitrary: shaped, weight: 4 }, { arbitrary: anything, weight: 1 });
      let applied = 0;
      let refused = 0;
      fc.assert(
        fc.property(fc.array(posting, { maxLength: 60 }), (ps) => {
          const { ledger: l, cleanup } = make();
          let granted = 0;
          let burned = 0;
          for (const p of ps) {
            try {
              l.post(p);
              if (p.rule === 'grant') granted += p.amount;
              if (p.rule === 'burn') burned += p.amount;
              applied++;
            } catch (e) {
              expect(e).toBeInstanceOf(RangeError);
              refused++;
            }
          }
          const t = l.totals();
          expect(t.sum).toBe(0);
          expect(t.issued).toBe(granted);
          expect(t.burned).toBe(burned);
          expect(t.circulating).toBe(granted - burned);
          for (const a of accts) if (a !== ISSUANCE) expect(l.balance(a)).toBeGreaterThanOrEqual(0);
          cleanup?.();
        }),
        { numRuns: name === 'sqlite' ? 40 : 200 },
      );
      expect(applied).toBeGreaterThan((applied + refused) / 20); // the property saw real balances move, not only refusals
      expect(refused).toBeGreaterThan((applied + refused) / 20);
    });

    it('property: every way a task ends closes its escrow to 0 and pays out exactly budget + deposit', () => {
      const end = fc.oneof(
        fc.record({
          kind: fc.constant('settled' as const),
          worker: fc.constant(B),
          amount: fc.nat(5000),
          deposit: fc.nat(3000),
        }),
        fc.constant({ kind: 'expired' as const }),
        fc.record({
          kind: fc.constant('defaulted' as const),
          worker: fc.constant(B),
          deposit: fc.nat(3000),
          slashBp: fc.integer({ min: 0, max: 10000 }),
        }),
        fc.record({ kind: fc.constant('unsigned' as const), worker: fc.constant(B), deposit: fc.nat(3000) }),
        fc.record({ kind: fc.constant('disputed' as const), worker: fc.constant(B), deposit: fc.nat(3000) }),
        fc.record({ kind: fc.constant('canceled' as const) }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 5000 }), end, (budget, e: TaskEnd) => {
          if (e.kind === 'settled' && e.amount > budget) return;
          const { ledger: l, cleanup } = make();
          l.post({ task: T1, rule: 'grant', from: ISSUANCE, to: agentAccount(A), amount: 10_000, ts: 0 });
          l.post({ task: T1, rule: 'grant', from: ISSUANCE, to: agentAccount(B), amount: 10_000, ts: 0 });
          for (const p of openPostings(T1, A, budget, 1)) l.post(p);
          const dep = e.kind === 'expired' || e.kind === 'canceled' ? 0 : e.deposit;
          for (const p of depositPostings(T1, B, dep, 2)) l.post(p);
          for (const p of settlement(T1, A, budget, e, 3)) l.post(p);
          expect(l.balance(escrowAccount(T1))).toBe(0);
          const burned = e.kind === 'defaulted' ? Math.floor((e.deposit * e.slashBp) / 10000) : 0;
          const paid = e.kind === 'settled' ? e.amount : 0;
          expect(l.balance(BURN)).toBe(burned);
          expect(l.balance(agentAccount(A))).toBe(10_000 - paid);
          expect(l.balance(agentAccount(B))).toBe(10_000 + paid - burned);
          expect(l.totals()).toEqual({ issued: 20_000, burned, circulating: 20_000 - burned, sum: 0 });
          cleanup?.();
        }),
        { numRuns: name === 'sqlite' ? 40 : 200 },
      );
    });

    it('task records round-trip and survive a reopen', () => {
      const { tasks, reopen, cleanup } = make();
      const r = {
        id: T1,
        role: 'worker',
        state: 'bidding',
        requester: A,
        topic: 't',
        tags: ['x'],
        text: '',
        budget: 5,
        requiredTier: 2,
        bidDeadline: 1,
        deliverBy: 2,
        settleBy: 3,
        mechanism: '00',
        deposit: 0,
        entry: '00',
        body: '00',
        createdAt: 0,
        bids: [],
        attempts: 0,
        nextRetry: 7,
      } as TaskRecord;
      tasks.putTask(r);
      tasks.putTask({ ...r, state: 'awarded' });
      expect(tasks.tasks()).toEqual([{ ...r, state: 'awarded' }]);
      tasks.putTask({ ...r, id: T2 });
      tasks.deleteTask(T2);
      tasks.deleteTask(C); // unknown: nothing happens
      if (reopen) expect(reopen().tasks.tasks()).toEqual([{ ...r, state: 'awarded' }]);
      else expect(tasks.tasks()).toEqual([{ ...r, state: 'awarded' }]);
      cleanup?.();
    });
  });
}

contract('memory', () => ({ ledger: new MemoryCreditLedger(), tasks: new MemoryTaskStore() }));
contract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-ledger-'));
  const path = join(dir, 'a.db');
  const open: SqliteStore[] = [];
  const mk = () => {
    const s = new SqliteStore(path, { synchronous: 'NORMAL' });
    open.push(s);
    return { ledger: new SqliteCreditLedger(s), tasks: new SqliteTaskStore(s) };
  };
  return {
    ...mk(),
    reopen: () => {
      open[0]!.close();
      return mk();
    },
    cleanup: () => {
      for (const s of open) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteCreditLedger in a store transaction', () => {
  it('a rolled-back transaction leaves no posting and no balance change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-ledger-'));
    const s = new SqliteStore(join(dir, 'a.db'));
    const l = new SqliteCreditLedger(s);
    l.post({ task: T1, rule: 'grant', from: ISSUANCE, to: agentAccount(A), amount: 100, ts: 0 });
    expect(() =>
      s.transaction(() => {
        l.post({ task: T1, rule: 'escrow', from: agentAccount(A), to: escrowAccount(T1), amount: 60, ts: 1 });
        l.post({ task: T1, rule: 'escrow', from: agentAccount(A), to: escrowAccount(T1), amount: 60, ts: 1 }); // overdraft: the whole step fails
      }),
    ).toThrow(RangeError);
    expect(l.balance(agentAccount(A))).toBe(100);
    expect(l.postings()).toHaveLength(1);
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
