// docs/reliability.md item 9: an independent implementation of the wire format in Python (test/interop/python/,
// written from docs/spec/ alone, with Debian's python3-cbor2 and python3-cryptography and its own MQTT 3.1.1
// client) against real `agentnet run` daemons on a private Mosquitto. The Python agent binds its keys,
// publishes its birth, two declarations (a version 1 entry without a key and a version 2 entry with one) and
// its frontier, and answers the daemons' getEntries and getBody; the daemons verify it at tier 2 and list it
// in /discover with the entry ids it computed. It withdraws one declaration by key (the daemon drops exactly
// that candidate, and a daemon that joins later learns the withdraw through gap repair), and its death on a
// stop makes the daemon drop the rest. In the other direction it decodes and verifies every birth, entry,
// frontier and body the daemons publish, and a killed daemon's death (its MQTT Will). A first test checks
// the Python codec against docs/spec/vectors.md.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../multiprocess/mosquitto.js';
import { getJson, hasBinary, killAll, postJson, startProc, until, type Proc } from '../multiprocess/procs.js';

const PYTHON = '/usr/bin/python3';
const PYDIR = join(import.meta.dirname, 'python');
const SPEC = join(import.meta.dirname, '../../docs/spec');
const HAVE_PY = spawnSync(PYTHON, ['-c', 'import cbor2, cryptography'], { encoding: 'utf8' }).status === 0;
const HAVE_MOSQ = hasBinary('mosquitto');
if (!HAVE_PY)
  console.warn(
    `python interop test skipped: ${PYTHON} lacks the modules cbor2 and cryptography (apt-get install python3-cbor2 python3-cryptography; .ci/run does)`,
  );
if (!HAVE_MOSQ) console.warn('python interop network test skipped: no `mosquitto` binary (.ci/run installs it)');

const TOPIC = 'interop_python';
const DEADLINE_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'agentnet-pyinterop-'));
const pys: PyAgent[] = [];
let broker: Mosquitto | undefined;
afterAll(async () => {
  for (const p of pys) p.kill();
  await killAll();
  await broker?.stop();
  if (process.env['AGENTNET_MP_KEEP']) console.log(`[python-interop] kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

type PyEvent = Record<string, unknown> & { event: string };

/** The Python agent as a child process: JSON events from its stdout, JSON commands to its stdin. */
class PyAgent {
  readonly events: PyEvent[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(port: number, network: string) {
    this.child = spawn(PYTHON, ['-B', 'agent.py', '--port', String(port), '--network', network, '--topic', TOPIC], {
      cwd: PYDIR,
    });
    createInterface({ input: this.child.stdout }).on('line', (l) => this.events.push(JSON.parse(l) as PyEvent));
    createInterface({ input: this.child.stderr }).on('line', (l) => this.stderr.push(l));
  }

  send(cmd: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  find(pred: (e: PyEvent) => boolean): PyEvent | undefined {
    return this.events.find(pred);
  }

  /** Resolves with the first event `pred` accepts, polling until the deadline. */
  async waitFor(label: string, pred: (e: PyEvent) => boolean): Promise<PyEvent> {
    await until(
      `python agent: ${label}`,
      async () => this.find(pred) !== undefined || `no such event; stderr: ${this.stderr.slice(-5).join(' | ')}`,
      DEADLINE_MS,
    );
    return this.find(pred)!;
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

interface Candidate {
  author: string;
  key?: string;
  entryId: string;
  seq: number;
  verifiedTier: number;
  tags: string[];
}
interface Head {
  author: string;
  topic: string;
  seq: number;
  id: string;
}

const candidatesOf = async (p: Proc, author: string): Promise<Candidate[]> =>
  (await getJson<{ candidates: Candidate[] }>(p, `/discover?tags=interop.python&topic=${TOPIC}&limit=500`)).candidates
    .filter((c) => c.author === author)
    .sort((a, b) => a.seq - b.seq);

const headOf = async (p: Proc, author: string): Promise<Head | undefined> =>
  (await getJson<{ logs: Head[] }>(p, '/logs')).logs.find((l) => l.author === author && l.topic === TOPIC);

// Reasons a daemon would give for refusing one of the Python agent's objects (docs/spec/README.md).
const REFUSALS = [
  'malformed',
  'oversized',
  'bad_signature',
  'binding_invalid',
  'binding_expired',
  'out_of_scope',
  'body_hash_mismatch',
  'wrong_topic',
  'unknown_author',
  'broken_chain',
  'death_mismatch',
];
const refusals = async (p: Proc): Promise<Record<string, number>> => {
  const { rejected } = await getJson<{ rejected: Record<string, number> }>(p, '/status');
  return Object.fromEntries(Object.entries(rejected).filter(([r, n]) => REFUSALS.includes(r) && n > 0));
};

describe.skipIf(!HAVE_PY)('independent Python implementation of the wire format (docs/spec)', () => {
  it('decodes, verifies and rebuilds byte for byte the test vectors of docs/spec/vectors.md', () => {
    const r = spawnSync(PYTHON, ['-B', 'vectors.py', join(SPEC, 'vectors.md'), join(SPEC, 'sketch.md')], {
      cwd: PYDIR,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { ok: boolean; checked: string[]; error?: string };
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
    for (const name of ['entry1 rebuilt', 'binding rebuilt', 'birth rebuilt', 'frontier rebuilt', 'sketch example'])
      expect(out.checked).toContain(name);
    expect(r.status).toBe(0);
  });

  it.skipIf(!HAVE_MOSQ)(
    'is accepted at tier 2 and discovered by agentnet daemons, withdraws by key, and verifies what they send',
    async () => {
      broker = await startMosquitto(dir, 'interop');
      const network = `py-${process.pid}-${Date.now().toString(36)}`;
      const py = new PyAgent(broker.port, network);
      pys.push(py);
      const ready = await py.waitFor('ready', (e) => e.event === 'ready');
      const me = ready['agent'] as string;

      // Two declarations before any daemon runs: a daemon learns them from the retained frontier and pulls
      // the entries from the Python agent (getEntries), since entries on h/ are not retained.
      py.send({ cmd: 'announce', tags: ['interop.python.echo'], text: 'echoes text back' });
      py.send({ cmd: 'announce', tags: ['interop.python.translate'], text: 'translates text', key: 'translate' });
      const e1 = await py.waitFor('seq 1 appended', (e) => e.event === 'appended' && e['seq'] === 1);
      const e2 = await py.waitFor('seq 2 appended', (e) => e.event === 'appended' && e['seq'] === 2);
      expect([e1['v'], e2['v']]).toEqual([1, 2]);

      const daemon = (name: string, url: string) =>
        startProc({
          dir,
          name,
          config: {
            dataDir: join(dir, name),
            network,
            broker: url,
            declarations: [
              { kind: 'capability', topic: TOPIC, tags: [`interop.node.${name}`], text: `${name} reviews` },
              { kind: 'intent', topic: TOPIC, tags: ['interop.python'], text: 'needs what the python agent offers' },
            ],
          },
        });
      const a = await daemon('a', broker.url);

      // ---- discovered at tier 2, with the ids the Python agent computed
      await until(
        'daemon a discovers both python declarations',
        async () => {
          const c = await candidatesOf(a, me);
          return c.length === 2 || `candidates ${JSON.stringify(c.map((x) => x.seq))}`;
        },
        DEADLINE_MS,
      );
      const cands = await candidatesOf(a, me);
      expect(cands.map((c) => [c.seq, c.entryId, c.key, c.verifiedTier, c.tags])).toEqual([
        [1, e1['id'], undefined, 2, ['interop.python.echo']],
        [2, e2['id'], 'translate', 2, ['interop.python.translate']],
      ]);
      const v = await getJson<{ tier: number; meets: boolean }>(a, `/verify/${me}?tier=2`);
      expect([v.tier, v.meets]).toEqual([2, true]);
      const { peers } = await getJson<{ peers: Array<{ agent: string; operator: string; tier: number }> }>(a, '/peers');
      expect(peers.find((p) => p.agent === me)).toMatchObject({ operator: ready['operator'], tier: 2 });
      // the daemon pulled the entries from the Python agent (gap repair answered per objects.md, direct)
      const answered = py.find((e) => e.event === 'answered' && e['type'] === 'getEntries' && e['to'] === a.agent);
      expect(answered?.['count']).toBeGreaterThan(0);

      // ---- the Python agent verified the daemon's birth, entries, frontier and bodies
      const verified = (object: string, author: string, more: (e: PyEvent) => boolean = () => true) =>
        py.waitFor(`verified ${object} of ${author.slice(0, 8)}`, (e) => {
          return e.event === 'verified' && e['object'] === object && e['author'] === author && more(e);
        });
      await verified('birth', a.agent);
      let aHead: Head | undefined;
      await until(
        'daemon a has appended its two declarations',
        async () => {
          aHead = await headOf(a, a.agent);
          return aHead?.seq === 2 || `head ${aHead?.seq}`;
        },
        DEADLINE_MS,
      );
      // objects.md: the agentnet node keys a declaration by its first tag when given no key (version 2)
      await verified('entry', a.agent, (e) => e['seq'] === 1 && e['kind'] === 'capability' && e['v'] === 2);
      expect(py.find((e) => e['object'] === 'entry' && e['author'] === a.agent && e['seq'] === 1)?.['key']).toBe(
        'interop.node.a',
      );
      await verified('entry', a.agent, (e) => e['seq'] === 2 && e['kind'] === 'intent' && e['id'] === aHead!.id);
      await verified('frontier', a.agent, (e) => e['seq'] === 2 && e['id'] === aHead!.id);
      await verified('body', a.agent, (e) => e['kind'] === 'capability' && e['sketchMatches'] === true);
      await verified('body', a.agent, (e) => e['kind'] === 'intent' && e['sketchMatches'] === true);
      // an entry appended while both run arrives live on h/ and chains to the head the Python agent holds
      const more = await postJson<{ id: string; seq: number }>(a, '/announce', {
        kind: 'capability',
        topic: TOPIC,
        tags: ['interop.node.a.more'],
        text: 'more',
        key: 'more',
      });
      await verified('entry', a.agent, (e) => e['id'] === more.id && e['seq'] === 3 && e['v'] === 2 && !!e['chained']);

      // ---- withdraw by key: the daemon drops that candidate and keeps the other
      py.send({ cmd: 'withdraw', key: 'translate' });
      const w = await py.waitFor('withdraw appended', (e) => e.event === 'appended' && e['kind'] === 'withdraw');
      expect([w['seq'], w['v']]).toEqual([3, 2]);
      await until(
        'daemon a drops the withdrawn declaration',
        async () => {
          const c = await candidatesOf(a, me);
          return (c.length === 1 && c[0]!.entryId === e1['id']) || `candidates ${JSON.stringify(c.map((x) => x.seq))}`;
        },
        DEADLINE_MS,
      );
      expect((await headOf(a, me))?.id).toBe(w['id']);

      // ---- a daemon that joins now learns the log, withdraw included, by gap repair from the Python agent.
      // It speaks MQTT 3.1.1 (no Will Delay), so its Will, its death, goes out as soon as it is killed.
      const b = await daemon('b', `${broker.url}?mqtt=4`);
      await until(
        'daemon b sees the python log up to the withdraw and only the unwithdrawn declaration',
        async () => {
          const h = await headOf(b, me);
          const c = await candidatesOf(b, me);
          return (
            (h?.id === w['id'] && c.length === 1 && c[0]!.entryId === e1['id']) ||
            `head ${h?.seq}, candidates ${JSON.stringify(c.map((x) => x.seq))}`
          );
        },
        DEADLINE_MS,
      );
      expect(py.find((e) => e.event === 'answered' && e['type'] === 'getEntries' && e['to'] === b.agent)).toBeDefined();
      await verified('birth', b.agent);
      await verified('frontier', b.agent, (e) => e['seq'] === 2);
      expect(await refusals(b)).toEqual({});
      b.child.kill('SIGKILL');
      await verified('death', b.agent);

      // ---- a clean stop: the death retained on n/{agent} makes the daemons drop the rest
      py.send({ cmd: 'stop' });
      await py.waitFor('stopped', (e) => e.event === 'stopped');
      expect(await py.exited()).toBe(0);
      await until(
        'daemon a drops the departed python agent',
        async () => (await candidatesOf(a, me)).length === 0 || 'still a candidate',
        DEADLINE_MS,
      );

      // nothing the Python agent sent was refused, and it refused nothing the daemons sent
      expect(await refusals(a)).toEqual({});
      expect(py.events.filter((e) => e.event === 'rejected' || e.event === 'error')).toEqual([]);
      expect(py.stderr).toEqual([]);
    },
    300_000,
  );
});
