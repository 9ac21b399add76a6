// docs/reliability.md item 2, the power-cut case for the WAL: a writer killed with SIGKILL while SQLite is
// checkpointing. The child appends through the real SqliteStore with `wal_autocheckpoint = 1`, so every
// commit is followed by a checkpoint (the WAL copied back into the database file): a kill at any
// moment is during or next to one. After each kill the store must open, pass integrity_check, hold
// every append the child reported as committed, and continue its log at the right seq.
// AGENTNET_CHECKPOINT_KILLS sets the number of kills (CI 5, `npm run test:reliability` 50).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';
import { record } from './record.js';

const KILLS = Number(process.env['AGENTNET_CHECKPOINT_KILLS'] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'agentnet-ckpt-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(import.meta.dirname, '../../build', `ckpt-child-${process.pid}.mjs`), { force: true });
});

const AUTHOR = new Uint8Array(32).fill(7);
const TOPIC = 'devops_tool_execution';

/** The child: appends entries one transaction each and prints each committed seq. */
const CHILD = `
import { SqliteStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/runtime/store/sqlite.ts'))};
const store = new SqliteStore(process.argv[2], { synchronous: 'FULL' });
store.db.pragma('wal_autocheckpoint = 1');
const author = new Uint8Array(32).fill(7);
let head = store.head(author, ${JSON.stringify(TOPIC)});
let seq = head ? head.seq : 0;
const bytes = new Uint8Array(600).fill(1);
for (;;) {
  seq++;
  const id = new Uint8Array(32); new DataView(id.buffer).setUint32(0, seq);
  store.transaction(() => {
    store.append({ id, author, topic: ${JSON.stringify(TOPIC)}, epoch: 0, seq, kind: 'state', ts: seq, expires: 1e15, bodyHash: id, bytes });
    store.putBody(id, bytes, 1e15);
  });
  process.stdout.write(seq + '\\n');
}
`;

async function childScript(): Promise<string> {
  // Inside the project (build/ is ignored), so the bundle resolves better-sqlite3 from node_modules.
  const out = join(import.meta.dirname, '../../build', `ckpt-child-${process.pid}.mjs`);
  await build({
    stdin: { contents: CHILD, resolveDir: import.meta.dirname, loader: 'ts' },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['better-sqlite3'],
    logLevel: 'warning',
    nodePaths: [join(import.meta.dirname, '../../node_modules')],
  });
  return out;
}

describe(`kill during WAL checkpoints (${KILLS} SIGKILLs; AGENTNET_CHECKPOINT_KILLS to change)`, () => {
  it(
    'every committed append survives, the database stays intact and the log continues at the right seq',
    async () => {
      const script = await childScript();
      const db = join(dir, 'store.db');
      let acked = 0;
      for (let k = 0; k < KILLS; k++) {
        const child = spawn(process.execPath, [script, db], {
          stdio: ['ignore', 'pipe', 'inherit'],
          cwd: join(import.meta.dirname, '../..'),
        });
        let last = acked;
        let buf = '';
        child.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) last = Math.max(last, Number(l));
        });
        // Kill after a random number of further commits (each followed by a checkpoint).
        const target = acked + 20 + Math.floor(Math.random() * 200);
        await new Promise<void>((resolve, reject) => {
          const t = setInterval(() => {
            if (last >= target) {
              clearInterval(t);
              child.kill('SIGKILL');
            }
          }, 1);
          child.once('exit', () => (clearInterval(t), resolve()));
          child.once('error', reject);
        });
        expect(last, 'the child committed before it was killed').toBeGreaterThan(acked);
        acked = last;
        const s = new SqliteStore(db);
        try {
          expect(s.integrityCheck()).toBe('ok');
          const head = s.head(AUTHOR, TOPIC)!;
          expect(head.seq).toBeGreaterThanOrEqual(acked); // a commit the child had not printed yet may be there too
          const rows = s.range(AUTHOR, TOPIC, 0, 1, head.seq);
          expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1));
          acked = head.seq;
        } finally {
          s.close();
        }
      }
      record(
        '2. crash safety (kill during WAL checkpoint)',
        `${KILLS} SIGKILLs of a writer checkpointing after every commit: ${acked} committed appends, 0 lost, integrity_check ok, log continuous`,
        true,
      );
    },
    Math.max(120_000, KILLS * 10_000),
  );
});
