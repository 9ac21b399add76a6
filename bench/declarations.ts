// Start-up and live declarations against the size of the store (docs/decisions.md "Declarations"): a node whose own
// topic log holds a capability followed by N state declarations, beside the logs of other authors, is
// restarted on its SQLite store; the bench times AgentCore.start with trust's receipt watch (what a node
// does at start) and one GET /declarations (AgentCore.declarations), for a small store (the baseline) and
// for large ones, in the same run. Live declarations come from an index (LogStore.live), so the ratio
// large/small should stay near 1 however long the logs are.
//
// The other authors' logs are mostly expired history; trust's watch reads their unexpired state entries
// (by an index on expiry), so that part grows with unexpired state only.
//
// Usage: node bench/declarations.run.mjs [--sizes 1000,30000,100000] [--runs 5] [--json FILE]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentCore } from '../src/core/agent.js';
import { encodeBody } from '../src/core/codec/body.js';
import { makeBinding } from '../src/core/identity/binding.js';
import type { StoredEntry } from '../src/core/log/store.js';
import { makeCryptoPort, nobleStrictVerifier, randomSecret } from '../src/runtime/crypto-port.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';

const crypto = makeCryptoPort(nobleStrictVerifier);
const TOPIC = 'data_analysis';
const DAY = 86_400_000;

/**
 * A store whose own log holds a capability then `n` states, plus `n` entries of 20 other authors (their
 * history: expired but for each log's last entry, as log retention leaves a store between prunes).
 */
function seed(path: string, agentKey: Uint8Array, n: number, now: number): void {
  const s = new SqliteStore(path, { synchronous: 'NORMAL' });
  const cap = encodeBody({ kind: 'capability', tags: ['data.analysis.sql'], text: 'SQL analytics', price: 700 });
  const state = encodeBody({ kind: 'state', tags: ['load'], text: 'load report' });
  const fake = (
    author: Uint8Array,
    seq: number,
    kind: StoredEntry['kind'],
    key: string,
    body: Uint8Array,
    expires = now + DAY,
  ) => ({
    id: crypto.sha256(new Uint8Array([...author.slice(0, 8), seq & 255, (seq >> 8) & 255, (seq >> 16) & 255])),
    author,
    topic: TOPIC,
    epoch: 0,
    seq,
    kind,
    ts: now - DAY + seq,
    expires,
    bodyHash: crypto.sha256(body),
    bytes: new Uint8Array(250), // entry bytes are not read at start; only live bodies are decoded
    key,
  });
  s.transaction(() => {
    s.putBody(crypto.sha256(cap), cap, now + DAY);
    s.putBody(crypto.sha256(state), state, now + DAY);
    s.append(fake(agentKey, 1, 'capability', 'data.analysis.sql', cap));
    for (let i = 2; i <= n + 1; i++) s.append(fake(agentKey, i, 'state', `load-${i % 50}`, state));
    for (let a = 0; a < 20; a++) {
      const other = crypto.sha256(new Uint8Array([a, 1, 2, 3]));
      const last = Math.floor(n / 20);
      for (let i = 1; i <= last; i++)
        s.append(fake(other, i, 'state', 'load', state, i === last ? now + DAY : now - 1));
    }
  });
  s.close();
}

function timeStart(path: string, agentSecret: Uint8Array, binding: Uint8Array, now: number) {
  const store = new SqliteStore(path, { synchronous: 'NORMAL' });
  const t0 = performance.now();
  const core = new AgentCore({ crypto, store, agentSecret, binding });
  core.start(now);
  core.watch(now, 'receipt');
  const startMs = performance.now() - t0;
  core.declarations(now); // the first read after opening fills SQLite's page cache
  const t1 = performance.now();
  const live = core.declarations(now);
  const declarationsMs = performance.now() - t1;
  store.close();
  if (!live.some((d) => d.kind === 'capability')) throw new Error('the capability is not live');
  return { startMs, declarationsMs, live: live.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { sizes: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } },
  });
  const sizes = (values.sizes ?? '1000,30000,100000').split(',').map(Number);
  const runs = Number(values.runs ?? 5);
  const now = Date.now();
  const agentSecret = randomSecret();
  const operatorSecret = randomSecret();
  const { bytes: binding } = makeBinding(crypto, {
    operatorSecret,
    agentSecret,
    codeHash: new Uint8Array(32),
    config: {},
    salt: new Uint8Array(16),
    notBefore: now - DAY,
    notAfter: now + 30 * DAY,
  });
  const agentKey = crypto.signer.publicKey(agentSecret);
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-bench-decl-'));
  const rows: Array<{ entries: number; startMs: number; declarationsMs: number; live: number }> = [];
  try {
    for (const n of sizes) {
      const path = join(dir, `${n}.db`);
      seed(path, agentKey, n, now);
      timeStart(path, agentSecret, binding, now); // warm-up: the first open of each file pays for compiling and caching
      const r = Array.from({ length: runs }, () => timeStart(path, agentSecret, binding, now));
      rows.push({
        entries: 2 * n + 1,
        startMs: median(r.map((x) => x.startMs)),
        declarationsMs: median(r.map((x) => x.declarationsMs)),
        live: r[0]!.live,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0]!;
  const out = rows.map((r) => ({
    ...r,
    startVsSmallest: +(r.startMs / base.startMs).toFixed(2),
    declarationsVsSmallest: +(r.declarationsMs / base.declarationsMs).toFixed(2),
  }));
  console.log(
    'entries in store | start + watch (ms, median) | GET /declarations (ms) | live | vs smallest (start, declarations)',
  );
  for (const r of out)
    console.log(
      `${r.entries} | ${r.startMs.toFixed(2)} | ${r.declarationsMs.toFixed(3)} | ${r.live} | ${r.startVsSmallest}x, ${r.declarationsVsSmallest}x`,
    );
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2) + '\n');
}
