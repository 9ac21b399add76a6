// SQLite implementations of the task engine's ports (src/core/task/): the credit ledger and the task
// records, in tables of the node's own database (migration v2 in sqlite.ts), so a task's transition,
// its record and its ledger postings commit in the one store transaction the runtime wraps around
// each engine call. Same contracts as MemoryCreditLedger / MemoryTaskStore (test/contract/ledger.test.ts).

import {
  checkPosting,
  totalsOf,
  type CreditLedger,
  type LedgerTotals,
  type Posting,
  type Rule,
} from '../../core/task/ledger.js';
import { compareText } from '../../core/base/bytes.js';
import type { TaskRecord, TaskStore } from '../../core/task/store.js';
import type { SqliteStore } from './sqlite.js';

export class SqliteCreditLedger implements CreditLedger {
  private readonly q;

  constructor(private readonly store: SqliteStore) {
    const d = store.db;
    this.q = {
      balance: d.prepare('SELECT balance FROM ledger_accounts WHERE account = ?'),
      add: d.prepare(
        'INSERT INTO ledger_accounts (account, balance) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET balance = balance + excluded.balance',
      ),
      insert: d.prepare('INSERT INTO ledger_postings (task, rule, src, dst, amount, ts) VALUES (?,?,?,?,?,?)'),
      all: d.prepare('SELECT task, rule, src, dst, amount, ts FROM ledger_postings ORDER BY n'),
      ofTask: d.prepare('SELECT task, rule, src, dst, amount, ts FROM ledger_postings WHERE task = ? ORDER BY n'),
      accounts: d.prepare('SELECT account, balance FROM ledger_accounts'),
    };
  }

  post(p: Posting): void {
    this.store.transaction(() => {
      const why = checkPosting(p, this.balance(p.from));
      if (why) throw new RangeError(`ledger: ${why}`);
      this.q.add.run(p.from, -p.amount);
      this.q.add.run(p.to, p.amount);
      this.q.insert.run(p.task, p.rule, p.from, p.to, p.amount, p.ts);
    });
  }

  balance(account: string): number {
    return (this.q.balance.get(account) as { balance: number } | undefined)?.balance ?? 0;
  }

  has(account: string): boolean {
    return this.q.balance.get(account) !== undefined;
  }

  postings(task?: string): Posting[] {
    const rows = (task === undefined ? this.q.all.all() : this.q.ofTask.all(task)) as Array<{
      task: string;
      rule: string;
      src: string;
      dst: string;
      amount: number;
      ts: number;
    }>;
    return rows.map((r) => ({
      task: r.task,
      rule: r.rule as Rule,
      from: r.src,
      to: r.dst,
      amount: r.amount,
      ts: r.ts,
    }));
  }

  totals(): LedgerTotals {
    const rows = this.q.accounts.all() as Array<{ account: string; balance: number }>;
    return totalsOf(new Map(rows.map((r) => [r.account, r.balance])));
  }

  /** Every balance (the ledger API route). */
  accounts(): Array<{ account: string; balance: number }> {
    return (this.q.accounts.all() as Array<{ account: string; balance: number }>).sort((a, b) =>
      compareText(a.account, b.account),
    );
  }
}

export class SqliteTaskStore implements TaskStore {
  private readonly q;

  constructor(store: SqliteStore) {
    const d = store.db;
    this.q = {
      put: d.prepare(
        'INSERT INTO tasks (id, role, state, record, updated) VALUES (?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, record = excluded.record, updated = excluded.updated',
      ),
      all: d.prepare('SELECT record FROM tasks ORDER BY id'),
      del: d.prepare('DELETE FROM tasks WHERE id = ?'),
    };
  }

  putTask(r: TaskRecord): void {
    this.q.put.run(r.id, r.role, r.state, JSON.stringify(r), r.nextRetry ?? r.createdAt);
  }

  deleteTask(id: string): void {
    this.q.del.run(id);
  }

  tasks(): TaskRecord[] {
    return (this.q.all.all() as Array<{ record: string }>).map((x) => JSON.parse(x.record) as TaskRecord);
  }
}
