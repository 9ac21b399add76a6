// The demo's task round (docs/mechanisms.md "The task protocol"): once agents have discovered each other, the first `count`
// agents each post a task in the topic of their intent through their node's local API. The agent whose
// capability matches is invited, bids (default policy: its price), is awarded, delivers by hash; the
// requester checks and rates it, both sign the receipt, the requester publishes it in its log and both
// ledgers settle. The demo then reads every node's ledger: each task's postings must agree between its
// requester and worker, and on every node credits must be conserved (sum 0, circulating = issued − burned).

import type { DemoAgent } from './demo.js';

export interface TaskOutcome {
  readonly requester: string;
  readonly worker: string | null;
  readonly topic: string;
  readonly state: string;
  readonly price: number | null;
  readonly outcome: number | null;
  readonly amount: number | null;
  readonly receipt: boolean;
  readonly ms: number;
}

export interface TaskReport {
  readonly posted: number;
  readonly settled: number;
  readonly receipts: number;
  readonly conserved: boolean;
  readonly ledgersAgree: boolean;
  readonly tasks: TaskOutcome[];
}

interface Ledger {
  accounts: Array<{ account: string; balance: number }>;
  totals: { issued: number; burned: number; circulating: number; sum: number };
}

const get = async <T>(port: number, path: string): Promise<T> =>
  (await fetch(`http://127.0.0.1:${port}${path}`)).json() as Promise<T>;

/** Posts `count` tasks and waits (until `deadline`, ms since the epoch) for them to end. */
export async function runTasks(
  agents: readonly DemoAgent[],
  ports: ReadonlyArray<number | undefined>,
  ids: ReadonlyArray<string | undefined>,
  count: number,
  deadline: number,
): Promise<TaskReport> {
  const posted: Array<{ i: number; id: string; port: number; t0: number }> = [];
  for (let i = 0; i < Math.min(count, agents.length); i++) {
    const port = ports[i];
    if (!port) continue;
    const a = agents[i]!;
    const r = await fetch(`http://127.0.0.1:${port}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        topic: a.intent.topic,
        tags: a.intent.tags,
        text: `${a.name}: ${a.intent.text}`,
        budget: 5000,
        bidWindowMs: 1500,
        deliverWindowMs: 5000,
        settleWindowMs: 5000,
      }),
    });
    if (r.status !== 200) continue;
    posted.push({ i, id: ((await r.json()) as { id: string }).id, port, t0: Date.now() });
  }
  const ended = new Map<
    string,
    { state: string; worker?: string; price?: number; outcome?: number; amount?: number; receipt?: string; ms: number }
  >();
  const terminal = new Set(['settled', 'expired', 'defaulted', 'unsigned']);
  while (ended.size < posted.length && Date.now() < deadline) {
    for (const p of posted) {
      if (ended.has(p.id)) continue;
      const t = await get<{
        state: string;
        worker?: string;
        price?: number;
        outcome?: number;
        amount?: number;
        receipt?: string;
      }>(p.port, `/tasks/${p.id}`).catch(() => undefined);
      if (t && terminal.has(t.state)) ended.set(p.id, { ...t, ms: Date.now() - p.t0 });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Give the workers a moment to post their side of the last settlements, then read every ledger.
  await new Promise((r) => setTimeout(r, 300));
  const ledgers = await Promise.all(
    ports.map((p) => (p ? get<Ledger>(p, '/ledger').catch(() => undefined) : undefined)),
  );
  const conserved = ledgers.every(
    (l) => !l || (l.totals.sum === 0 && l.totals.circulating === l.totals.issued - l.totals.burned),
  );
  const byId = new Map(ids.map((id, i) => [id, i]));
  let ledgersAgree = true;
  // Each task's postings (grants aside: an allowance is granted where an account is first seen) must be
  // the same in the requester's and the worker's ledger.
  const entries = async (port: number | undefined, id: string) =>
    port
      ? (
          await get<{ entries: Array<{ rule: string; from: string; to: string; amount: number }> }>(
            port,
            `/ledger?task=${id}`,
          ).catch(() => ({ entries: [] }))
        ).entries
          .filter((x) => x.rule !== 'grant')
          .map((x) => `${x.rule} ${x.from}>${x.to} ${x.amount}`)
          .sort()
          .join(';')
      : '';
  for (const p of posted) {
    const e = ended.get(p.id);
    const w = e?.worker !== undefined ? byId.get(e.worker) : undefined;
    if (e?.state !== 'settled' || w === undefined) continue;
    const [a, b] = [await entries(p.port, p.id), await entries(ports[w], p.id)];
    if (!a || a !== b) ledgersAgree = false;
  }
  const tasks: TaskOutcome[] = posted.map((p) => {
    const e = ended.get(p.id);
    const w = e?.worker !== undefined ? byId.get(e.worker) : undefined;
    return {
      requester: agents[p.i]!.name,
      worker: w !== undefined ? agents[w]!.name : null,
      topic: agents[p.i]!.intent.topic,
      state: e?.state ?? 'unfinished',
      price: e?.price ?? null,
      outcome: e?.outcome ?? null,
      amount: e?.amount ?? null,
      receipt: !!e?.receipt,
      ms: e?.ms ?? -1,
    };
  });
  return {
    posted: posted.length,
    settled: tasks.filter((t) => t.state === 'settled').length,
    receipts: tasks.filter((t) => t.receipt).length,
    conserved,
    ledgersAgree,
    tasks,
  };
}

export function printTasks(r: TaskReport): void {
  console.log('\ntasks (post -> bid -> award -> delivery by hash -> co-signed receipt -> settlement, milli-credits):');
  for (const t of r.tasks) {
    console.log(
      `  ${t.requester.padEnd(32)} -> ${(t.worker ?? '-').padEnd(32)} ${t.state.padEnd(9)} price ${t.price ?? '-'} outcome ${t.outcome ?? '-'} paid ${t.amount ?? '-'} ${t.ms} ms${t.receipt ? ', receipt published' : ''}`,
    );
  }
  console.log(
    `tasks: ${r.posted} posted, ${r.settled} settled, receipts ${r.receipts}, credits ${r.conserved ? 'conserved' : 'NOT CONSERVED'}, ledgers ${r.ledgersAgree ? 'agree' : 'DISAGREE'}`,
  );
}
