// The demo's task round (docs/mechanisms.md "The task protocol", docs/adapters.md): once agents have discovered each other, the first `count`
// agents each post a task with real input in the topic of their intent through their node's local API. The
// agent whose capability matches is invited, bids (its price), is awarded, runs its shipped exec worker
// (examples/workers/, demo-agents.ts WORK) and delivers by hash; the requester's exec rater (examples/raters/) checks
// the artefact's content and rates it, both sign the receipt, the requester publishes it in its log and both
// ledgers settle. The demo then reads every node's ledger: each task's postings must agree between its
// requester and worker, and on every node credits must be conserved (sum 0, circulating = issued − burned).

import type { DemoAgent } from './demo-agents.js';

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
  /** The first line(s) of the artefact the requester fetched, at most 100 characters. */
  readonly artefact: string | null;
}

/** The input of a task in each topic: what the topic's shipped worker works on (examples/workers/). */
export const TASK_INPUT: Record<string, string> = {
  code_generation: 'a parser for order records, fields: id:int, customer:string, total:float, paid:bool',
  code_review_security: [
    'review this handler:',
    "const token = 'sk-live-0123456789abcdef';",
    'app.get("/user", (req, res) => {',
    '  db.query("SELECT * FROM users WHERE name = \'" + req.query.name + "\'", (err, rows) => {',
    '    try { res.json(rows) } catch (e) {}',
    '  });',
    '});',
  ].join('\n'),
  devops_tool_execution: 'disk and load report, path: /tmp',
  data_analysis: ['sensor readings', 'hour,temp_c,humidity', '0,17.2,81', '6,15.9,88', '12,23.4,52', '18,20.1,64'].join(
    '\n',
  ),
  creative_writing: 'an acrostic for the launch, word: agents',
};

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
        text: TASK_INPUT[a.intent.topic] ?? `${a.name}: ${a.intent.text}`,
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
  const excerpts = await Promise.all(
    posted.map(async (p) => {
      const r = await fetch(`http://127.0.0.1:${p.port}/tasks/${p.id}/artefact`).catch(() => undefined);
      if (!r || r.status !== 200) return null;
      let text = await r.text();
      try {
        // A JSON artefact names its task first: the excerpt shows what follows.
        const j = JSON.parse(text) as Record<string, unknown>;
        if (typeof j === 'object' && j !== null && 'task' in j) {
          delete j['task'];
          text = JSON.stringify(j);
        }
      } catch {
        // text, not JSON
      }
      text = text.replace(/\s+/g, ' ').trim();
      return text.length > 100 ? `${text.slice(0, 99)}…` : text;
    }),
  );
  const tasks: TaskOutcome[] = posted.map((p, k) => {
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
      artefact: excerpts[k] ?? null,
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
  console.log(
    '\ntasks (post -> bid -> award -> exec worker -> delivery by hash -> exec rater -> co-signed receipt -> settlement, milli-credits):',
  );
  for (const t of r.tasks) {
    console.log(
      `  ${t.requester.padEnd(32)} -> ${(t.worker ?? '-').padEnd(32)} ${t.state.padEnd(9)} price ${t.price ?? '-'} outcome ${t.outcome ?? '-'} paid ${t.amount ?? '-'} ${t.ms} ms${t.receipt ? ', receipt published' : ''}`,
    );
    if (t.artefact) console.log(`      artefact: ${t.artefact}`);
  }
  console.log(
    `tasks: ${r.posted} posted, ${r.settled} settled, receipts ${r.receipts}, credits ${r.conserved ? 'conserved' : 'NOT CONSERVED'}, ledgers ${r.ledgersAgree ? 'agree' : 'DISAGREE'}`,
  );
}
