// Bindings found by baid (LogStore.bindingsOfBaid, the bindings table's baid index): IdentityTiers over a store that
// answers it reads nothing at start and pins no version after the first; a binding loaded on demand is checked
// against its baid's latest stored version, so a rotated-out key met after a restart is refused and a renewed one
// is known at its latest version. Also the upgrade of a store written by the schema before the index (v5).

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { equalBytes, fromHex, toHex } from '../../src/core/base/bytes.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { makeBinding } from '../../src/core/identity/binding.js';
import { IdentityTiers, type BindingSource } from '../../src/core/identity/tiers.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { LogStore } from '../../src/core/log/store.js';
import { SCHEMA_MIGRATIONS, SqliteStore } from '../../src/runtime/store/sqlite.js';
import { mk } from '../contract/store.contract.js';
import { crypto as c, DAY, seed, T0 } from '../helpers.js';

const pub = (s: Uint8Array) => c.signer.publicKey(s);
const op = seed('baid-op');
const base = { operatorSecret: op, codeHash: seed('code'), config: {}, notBefore: T0 - DAY, notAfter: T0 + 100 * DAY };
const m = new Uint8Array([7]);
const signedBy = (k: Uint8Array, at: number) => [pub(k), m, c.signer.sign(k, m), at] as const;

/** An agent renewed once (same key, version 2, a later window): what an operator's renewal produces. */
function renewed(label: string) {
  const k = seed(`renew-${label}`);
  const salt = seed(`renew-salt-${label}`).slice(0, 16);
  const v1 = makeBinding(c, { ...base, salt, agentSecret: k });
  const v2 = makeBinding(c, { ...base, salt, agentSecret: k, version: 2, prev: c.sha256(v1.bytes), notBefore: T0 });
  return { k, v1, v2 };
}

/** A baid rotated from k1 to k2 (pre-rotation committed), and a v2 to a key v1 did not commit to. */
function rotation(label: string) {
  const [k1, k2, k3] = ['k1', 'k2', 'k3'].map((s) => seed(`rot-${label}-${s}`)) as [Uint8Array, Uint8Array, Uint8Array];
  const salt = seed(`rot-salt-${label}`).slice(0, 16);
  const v1 = makeBinding(c, { ...base, salt, agentSecret: k1, nextKeyHash: c.sha256(pub(k2)) });
  const v2 = makeBinding(c, {
    ...base,
    salt,
    agentSecret: k2,
    version: 2,
    prev: c.sha256(v1.bytes),
    notBefore: T0,
    nextKeyHash: c.sha256(pub(k3)),
  });
  const v3 = makeBinding(c, {
    ...base,
    salt,
    agentSecret: k3,
    version: 3,
    prev: c.sha256(v2.bytes),
    notBefore: T0 + 50,
  });
  const bad3 = makeBinding(c, {
    ...base,
    salt,
    agentSecret: seed(`rot-${label}-mallory`),
    version: 3,
    prev: c.sha256(v2.bytes),
    notBefore: T0 + 50,
  });
  return { k1, k2, k3, v1, v2, v3, bad3 };
}

/** What AgentCore gives its tiers (src/core/agent.ts): the store's bindings on demand, by agent key and by baid. */
function tiersOver(store: LogStore, cacheSize: number): IdentityTiers {
  const source: BindingSource = {
    bindingOf: (hex) => store.binding(fromHex(hex)),
    bindingWithHash: (h) => store.findBinding((b) => equalBytes(c.sha256(b), h)),
    bindingsOfBaid: (baid) => store.bindingsOfBaid(baid),
  };
  return new IdentityTiers(c, DEFAULT_LIMITS, 64, undefined, undefined, source, cacheSize);
}

function receive(store: LogStore, v: IdentityTiers, bytes: Uint8Array, now = T0): void {
  const r = v.acceptBinding(bytes, now);
  expect(r.ok, r.ok ? '' : r.detail).toBe(true);
  store.putBinding(r.binding!.agentKey, r.binding!.version, bytes, r.binding!.baid);
}

/** `reopen`: the store as a restarted node finds it (SQLite: closed and opened again; memory: the same object). */
const stores: Array<[string, () => { store: LogStore; reopen: (s: LogStore) => LogStore; cleanup: () => void }]> = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'agentnet-baid-'));
      const path = join(dir, 'a.db');
      return {
        store: new SqliteStore(path),
        reopen: (s) => {
          s.close();
          return new SqliteStore(path);
        },
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'memory',
    () => {
      const s = new MemoryStore();
      return { store: s, reopen: () => s, cleanup: () => undefined };
    },
  ],
];

for (const [name, open] of stores) {
  describe(`bindings by baid (${name} store)`, () => {
    let h: ReturnType<typeof open>;
    let store: LogStore;
    beforeEach(() => {
      h = open();
      store = h.store;
    });
    afterEach(() => {
      store.close();
      h.cleanup();
    });

    it('finds the stored versions of a baid, latest first; one row per agent key', () => {
      const r = rotation('find');
      const n = renewed('find');
      const v = tiersOver(store, 16);
      receive(store, v, r.v1.bytes);
      receive(store, v, r.v2.bytes, T0 + 1);
      receive(store, v, n.v1.bytes);
      receive(store, v, n.v2.bytes, T0 + 1); // replaces v1: same agent key
      const ofRot = store.bindingsOfBaid(r.v1.binding.baid);
      expect(ofRot.map((x) => x.version)).toEqual([2, 1]);
      expect(equalBytes(ofRot[0]!.bytes, r.v2.bytes)).toBe(true);
      expect(store.bindingsOfBaid(n.v1.binding.baid).map((x) => x.version)).toEqual([2]);
      expect(store.bindingsOfBaid(new Uint8Array(32))).toEqual([]);
      // Without the baid given, the store reads it from the bytes.
      const other = rotation('nobaid');
      store.putBinding(pub(other.k1), 1, other.v1.bytes);
      expect(store.bindingsOfBaid(other.v1.binding.baid).map((x) => x.version)).toEqual([1]);
      // A rolled-back write leaves the index as it was.
      const late = rotation('rollback');
      expect(() =>
        store.transaction(() => {
          store.putBinding(pub(late.k1), 1, late.v1.bytes);
          store.putBinding(pub(r.k2), 3, late.v1.bytes); // moves k2's row to another baid, then undone
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(store.bindingsOfBaid(late.v1.binding.baid)).toEqual([]);
      expect(store.bindingsOfBaid(r.v1.binding.baid).map((x) => x.version)).toEqual([2, 1]);
    });

    it('restart: nothing is loaded at start; a renewed binding met on demand is known at its latest version', () => {
      const agents = [0, 1, 2, 3, 4, 5].map((i) => renewed(`r${i}`));
      let v = tiersOver(store, 2);
      for (const a of agents) {
        receive(store, v, a.v1.bytes);
        receive(store, v, a.v2.bytes, T0 + 1);
      }
      expect(v.knownAgents()).toBe(2); // renewed bindings are evicted like any other, not pinned
      store = h.reopen(store);
      v = tiersOver(store, 2);
      expect(v.knownAgents()).toBe(0);
      for (const a of agents) {
        expect(v.tierOf(toHex(pub(a.k)), T0 + 10)).toBe(2); // a node's clock: the time it was last given
        expect(v.bindingOf(toHex(pub(a.k)))?.version).toBe(2);
        expect(v.checkSigned(...signedBy(a.k, T0 + 10)).ok).toBe(true);
      }
      expect(v.knownAgents()).toBe(2);
      expect(v.cache.loaded).toBe(agents.length); // one T2 each: the baid holds no other version to check against
    });

    it('restart: a rotated-out key met on demand is refused; its successor is known', () => {
      const r = rotation('restart');
      let v = tiersOver(store, 1);
      receive(store, v, r.v1.bytes);
      receive(store, v, r.v2.bytes, T0 + 1);
      store = h.reopen(store);
      v = tiersOver(store, 1);
      expect(v.knownAgents()).toBe(0);
      // k1 is loaded first: its baid's latest stored version (v2, another key) is loaded with it and wins.
      expect(v.checkSigned(...signedBy(r.k1, T0 + 30))).toMatchObject({ ok: false, reason: 'unknown_author' });
      expect(v.tierOf(toHex(pub(r.k1)), T0 + 30)).toBe(0);
      expect(v.tierOf(toHex(pub(r.k2)), T0 + 30)).toBe(2);
      // The bound holds while the two keys take turns.
      for (let i = 0; i < 3; i++) {
        expect(v.tierOf(toHex(pub(r.k1)), T0 + 30)).toBe(0);
        expect(v.checkSigned(...signedBy(r.k2, T0 + 30)).ok).toBe(true);
      }
      expect(v.knownAgents()).toBeLessThanOrEqual(1);
    });

    it('restart: an old version arriving again is stale; the next one is checked against the stored tip', () => {
      const r = rotation('arrive');
      let v = tiersOver(store, 1);
      receive(store, v, r.v1.bytes);
      receive(store, v, r.v2.bytes, T0 + 1);
      store = h.reopen(store);
      v = tiersOver(store, 1);
      expect(v.acceptBinding(r.v1.bytes, T0 + 20)).toMatchObject({ ok: false, reason: 'stale' });
      expect(v.tierOf(toHex(pub(r.k1)), T0 + 20)).toBe(0);
      store = h.reopen(store);
      v = tiersOver(store, 1);
      // v3 names v2, which only the store holds: pre-rotation is checked against it.
      expect(v.acceptBinding(r.bad3.bytes, T0 + 60)).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/pre-rotation/),
      });
      expect(v.acceptBinding(r.v3.bytes, T0 + 60).ok).toBe(true);
      expect(v.checkSigned(...signedBy(r.k2, T0 + 40)).ok).toBe(true); // before the rotation
      expect(v.checkSigned(...signedBy(r.k2, T0 + 60))).toMatchObject({ ok: false, reason: 'binding_expired' });
    });

    it('a cache full of pinned bindings still checks a loaded binding against its stored tip', () => {
      const r = rotation('pinned');
      const own = seed('pinned-own');
      const ownBinding = makeBinding(c, { ...base, salt: seed('pinned-own-salt').slice(0, 16), agentSecret: own });
      let v = tiersOver(store, 1);
      receive(store, v, r.v1.bytes);
      receive(store, v, r.v2.bytes, T0 + 1);
      store = h.reopen(store);
      v = tiersOver(store, 1);
      expect(v.acceptBinding(ownBinding.bytes, T0 + 20).ok).toBe(true);
      v.setOwn(toHex(pub(own))); // the one slot is the own binding's: whatever else loads is evicted at once
      expect(v.tierOf(toHex(pub(r.k1)), T0 + 30)).toBe(0);
      expect(v.acceptBinding(r.v1.bytes, T0 + 30)).toMatchObject({ ok: false, reason: 'stale' });
      expect(v.tierOf(toHex(pub(r.k2)), T0 + 30)).toBe(2);
      expect(v.knownAgents()).toBe(1);
    });

    it('many renewed agents: the cache stays at its bound across a sweep of all of them', () => {
      const agents = Array.from({ length: 40 }, (_, i) => renewed(`sweep${i}`));
      const v0 = tiersOver(store, 1000);
      for (const a of agents) {
        receive(store, v0, a.v1.bytes);
        receive(store, v0, a.v2.bytes, T0 + 1);
      }
      store = h.reopen(store);
      const v = tiersOver(store, 8);
      for (let round = 0; round < 2; round++) for (const a of agents) expect(v.tierOf(toHex(pub(a.k)), T0 + 5)).toBe(2);
      expect(v.knownAgents()).toBe(8);
      expect(v.cache.evicted).toBe(2 * agents.length - 8);
    });
  });
}

describe('schema v6 upgrade of a v5 store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentnet-v5-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the bindings a v5 build stored, keeps every row, and refuses the rotated-out key after it', () => {
    const path = join(dir, 'a.db');
    // The database as a v5 build writes it: its five migrations, then rows through its own statements.
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (let i = 0; i < 5; i++) {
      const step = SCHEMA_MIGRATIONS[i]!;
      expect(typeof step).toBe('string');
      db.exec(step as string);
      db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(i + 1, 0);
    }
    const r = rotation('v5');
    const n = renewed('v5');
    const plain = Array.from({ length: 600 }, (_, i) =>
      makeBinding(c, { ...base, salt: seed(`v5-salt-${i}`).slice(0, 16), agentSecret: seed(`v5-agent-${i}`) }),
    ); // more than one page of the migration's pass
    // A payload of 256 bytes or more has a two-byte length head: the baid sits one byte later.
    const wide = makeBinding(c, {
      ...base,
      salt: seed('v5-wide').slice(0, 16),
      agentSecret: seed('v5-wide-agent'),
      scope: Array.from({ length: 12 }, (_, i) => `sensors.building-${i}.temperature`),
    });
    expect(wide.bytes[26]).toBe(0x59);
    expect(plain[0]!.bytes[26]).toBe(0x58);
    const put = db.prepare(
      'INSERT INTO bindings (agent_key, version, bytes) VALUES (?,?,?) ON CONFLICT (agent_key) DO UPDATE SET ' +
        'version = excluded.version, bytes = excluded.bytes WHERE excluded.version >= bindings.version',
    );
    const rows: Array<[Uint8Array, number, Uint8Array]> = [
      [pub(r.k1), 1, r.v1.bytes],
      [pub(r.k2), 2, r.v2.bytes],
      [pub(n.k), 1, n.v1.bytes],
      [pub(n.k), 2, n.v2.bytes],
      ...plain.map((p): [Uint8Array, number, Uint8Array] => [p.binding.agentKey, 1, p.bytes]),
      [wide.binding.agentKey, 1, wide.bytes],
      [new Uint8Array(32).fill(9), 1, new Uint8Array([1, 2, 3])], // bytes that do not decode: kept, no baid
    ];
    for (const [k, ver, bytes] of rows) put.run(k, ver, bytes);
    const e = mk(3, 'topic', 0, 1);
    db.prepare(
      'INSERT INTO entries (author, topic, epoch, seq, id, kind, ts, expires, body_hash, bytes) VALUES (?,?,?,?,?,?,?,?,?,?)',
    ).run(e.author, e.topic, e.epoch, e.seq, e.id, 2, e.ts, e.expires, e.bodyHash, e.bytes);
    db.prepare('INSERT INTO heads VALUES (?,?,?,?,?,?)').run(e.author, e.topic, 0, 1, e.id, e.ts);
    db.close();

    const store = new SqliteStore(path);
    try {
      expect(store.db.prepare('SELECT max(version) AS v FROM migrations').get()).toEqual({
        v: SCHEMA_MIGRATIONS.length,
      });
      expect(store.integrityCheck()).toBe('ok');
      // Every row is still there, with the bytes it had.
      expect(store.bindings().length).toBe(rows.length - 1);
      const latest = new Map(rows.map(([k, , bytes]) => [toHex(k), bytes])); // n's v2 was written after its v1
      for (const [k, bytes] of latest) expect(equalBytes(store.binding(fromHex(k))!, bytes)).toBe(true);
      expect(store.get(e.author, e.topic, 0, 1)?.id).toEqual(e.id);
      // Each row's baid is the one its bytes decode to (the upgrade reads it at its place in the layout).
      const baidOf = store.db.prepare('SELECT baid FROM bindings WHERE agent_key = ?');
      for (const [k, bytes] of latest) {
        const want = bytes.length > 3 ? toHex(decodeBinding(bytes, DEFAULT_LIMITS).binding.baid) : null;
        const got = (baidOf.get(fromHex(k)) as { baid: Buffer | null }).baid;
        expect(got && toHex(new Uint8Array(got))).toBe(want);
      }
      expect(store.bindingsOfBaid(wide.binding.baid).length).toBe(1);
      // The index answers for what was stored before it.
      expect(store.bindingsOfBaid(r.v1.binding.baid).map((x) => x.version)).toEqual([2, 1]);
      expect(store.bindingsOfBaid(n.v1.binding.baid).map((x) => x.version)).toEqual([2]);
      for (const p of plain.slice(0, 50)) expect(store.bindingsOfBaid(p.binding.baid).length).toBe(1);
      const plan = store.db
        .prepare('EXPLAIN QUERY PLAN SELECT version, bytes FROM bindings WHERE baid = ? ORDER BY version DESC')
        .all(r.v1.binding.baid) as Array<{ detail: string }>;
      expect(plan.map((x) => x.detail).join(' ')).toMatch(/USING INDEX bindings_baid/);

      // A node over the upgraded store: nothing read at start, identity as before the upgrade.
      const v = tiersOver(store, 4);
      expect(v.knownAgents()).toBe(0);
      expect(v.tierOf(toHex(pub(r.k1)), T0 + 30)).toBe(0);
      expect(v.checkSigned(...signedBy(r.k1, T0 + 30))).toMatchObject({ ok: false, reason: 'unknown_author' });
      expect(v.tierOf(toHex(pub(r.k2)), T0 + 30)).toBe(2);
      expect(v.bindingOf(toHex(pub(n.k)))?.version).toBe(2);
      expect(v.tierOf(toHex(plain[7]!.binding.agentKey), T0)).toBe(2);
      expect(v.knownAgents()).toBeLessThanOrEqual(4);
    } finally {
      store.close();
    }
  });
});
