// The bounded binding cache of IdentityTiers (src/core/identity/tiers.ts) over a real SQLite store: an evicted
// binding is loaded from the store and verified again (T2) when next needed, a tampered stored binding is refused
// then, and quarantine, revocation and retirement hold for an author whatever the cache holds, also across a
// restart (a new IdentityTiers over the same store, as AgentCore.start builds it).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { equalBytes, fromHex, toHex } from '../../src/core/base/bytes.js';
import { encodeRevocation, revocationToBeSigned } from '../../src/core/codec/attest.js';
import { decodeBinding, encodeBinding } from '../../src/core/codec/binding.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { makeBinding } from '../../src/core/identity/binding.js';
import { IdentityTiers, type BindingSource } from '../../src/core/identity/tiers.js';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';
import { crypto as c, DAY, seed, T0 } from '../helpers.js';

const pub = (s: Uint8Array) => c.signer.publicKey(s);
const op = seed('cache-op');
const base = {
  operatorSecret: op,
  codeHash: seed('code'),
  config: {},
  notBefore: T0 - DAY,
  notAfter: T0 + 100 * DAY,
};
const agents = [0, 1, 2, 3, 4, 5].map((i) => seed(`cache-agent-${i}`));
const bindingOf = (i: number) =>
  makeBinding(c, { ...base, agentSecret: agents[i]!, salt: seed(`salt${i}`).slice(0, 16) }).bytes;
const msg = new Uint8Array([9]);
const signed = (i: number, at: number) => [pub(agents[i]!), msg, c.signer.sign(agents[i]!, msg), at] as const;

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentnet-bc-'));
  store = new SqliteStore(join(dir, 'agentnet.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What AgentCore gives its tiers: the store's bindings, read on demand. */
function tiersOver(cacheSize: number): IdentityTiers {
  const source: BindingSource = {
    bindingOf: (hex) => store.binding(fromHex(hex)),
    bindingWithHash: (h) => store.findBinding((b) => equalBytes(c.sha256(b), h)),
  };
  return new IdentityTiers(c, DEFAULT_LIMITS, 64, undefined, undefined, source, cacheSize);
}

/** Verifies each binding over the network path and stores it, as the receiver does. */
function receive(v: IdentityTiers, bytes: Uint8Array, now = T0): void {
  const r = v.acceptBinding(bytes, now);
  expect(r.ok).toBe(true);
  store.putBinding(r.binding!.agentKey, r.binding!.version, bytes);
}

describe('binding cache: bounded, loaded and verified on demand', () => {
  it('an evicted binding is reloaded from the store and verified again (T2)', () => {
    const v = tiersOver(2);
    for (let i = 0; i < 4; i++) receive(v, bindingOf(i));
    expect(v.knownAgents()).toBe(2); // agents 0 and 1 were evicted
    expect(v.cache.evicted).toBe(2);
    const t2 = v.counters.T2;
    expect(v.checkSigned(...signed(0, T0)).ok).toBe(true);
    expect(v.counters.T2).toBe(t2 + 1); // re-verified on load
    expect(v.cache.loaded).toBe(1);
    expect(v.bindingOf(toHex(pub(agents[0]!)))?.version).toBe(1);
    expect(v.knownAgents()).toBe(2);
  });

  it('a stored binding changed while evicted fails T2 on reload: the author is unknown', () => {
    const v = tiersOver(1);
    receive(v, bindingOf(0));
    receive(v, bindingOf(1)); // evicts agent 0
    const a = decodeBinding(bindingOf(0), DEFAULT_LIMITS);
    const other = decodeBinding(bindingOf(2), DEFAULT_LIMITS);
    const forged = encodeBinding(a.binding, a.signers[0]!.signature, other.signers[1]!.signature);
    store.putBinding(pub(agents[0]!), 1, forged);
    expect(v.checkSigned(...signed(0, T0))).toMatchObject({ ok: false, reason: 'unknown_author' });
    expect(v.tierOf(toHex(pub(agents[0]!)), T0)).toBe(0);
  });

  it('a quarantined author stays quarantined after its binding was evicted and reloaded', () => {
    const v = tiersOver(1);
    receive(v, bindingOf(0));
    const e = (n: number): Uint8Array => {
      const x: Entry = {
        author: pub(agents[0]!),
        topic: 't',
        epoch: 0,
        seq: 4,
        prev: new Uint8Array(32),
        kind: 'state',
        ts: T0,
        expires: T0 + n + 1,
        bodyHash: new Uint8Array(32),
        bodyLen: 1,
        sketch: new Uint8Array(32),
        tier: 2,
      };
      return encodeEntry(x, c.signer.sign(agents[0]!, entryToBeSigned(x)));
    };
    expect(v.intakeForkProof(e(1), e(2)).ok).toBe(true);
    receive(v, bindingOf(1)); // evicts agent 0
    receive(v, bindingOf(2));
    const hex = toHex(pub(agents[0]!));
    expect(v.isQuarantined(hex)).toBe(true);
    expect(v.bindingOf(hex)).toBeDefined(); // reloaded and verified again
    expect(v.cache.loaded).toBe(1);
    expect(v.isQuarantined(hex)).toBe(true);
    expect(v.tierOf(hex, T0)).toBe(0);
  });

  it('a revoked author stays refused after its binding was evicted and reloaded', () => {
    const v = tiersOver(1);
    receive(v, bindingOf(0));
    const b = decodeBinding(bindingOf(0), DEFAULT_LIMITS).binding;
    const r = { operatorKey: b.operatorKey, baid: b.baid, agentKey: b.agentKey, reason: 'key leaked', ts: T0 + 100 };
    expect(v.acceptRevocation(encodeRevocation(r, c.signer.sign(op, revocationToBeSigned(r)))).ok).toBe(true);
    receive(v, bindingOf(1)); // evicts agent 0
    receive(v, bindingOf(2));
    expect(v.checkSigned(...signed(0, T0 + 99)).ok).toBe(true); // reloaded: what it signed before still verifies
    receive(v, bindingOf(3)); // evicts it again
    expect(v.checkSigned(...signed(0, T0 + 100))).toMatchObject({ ok: false, reason: 'revoked' });
    expect(v.tierOf(toHex(pub(agents[0]!)), T0 + 200)).toBe(0);
  });

  it('a revocation of an evicted agent is checked against its stored binding, not held as unconfirmed', () => {
    const v = tiersOver(1);
    receive(v, bindingOf(0));
    receive(v, bindingOf(1)); // evicts agent 0
    const b = decodeBinding(bindingOf(0), DEFAULT_LIMITS).binding;
    const wrong = { operatorKey: pub(seed('mallory')), baid: b.baid, agentKey: b.agentKey, reason: 'x', ts: T0 };
    expect(
      v.acceptRevocation(encodeRevocation(wrong, c.signer.sign(seed('mallory'), revocationToBeSigned(wrong)))),
    ).toMatchObject({ ok: false, reason: 'binding_invalid' });
  });

  it('rotation: the retired key stays refused after eviction and after a restart; pre-rotation is checked against the store', () => {
    const [k1, k2, k3] = [seed('rot-k1'), seed('rot-k2'), seed('rot-k3')];
    const salt = seed('rot-salt').slice(0, 16);
    const v1 = makeBinding(c, { ...base, salt, agentSecret: k1, nextKeyHash: c.sha256(pub(k2)) });
    const v2 = makeBinding(c, { ...base, salt, agentSecret: k2, version: 2, prev: c.sha256(v1.bytes), notBefore: T0 });
    const bad = makeBinding(c, { ...base, salt, agentSecret: k3, version: 2, prev: c.sha256(v1.bytes), notBefore: T0 });
    const m = new Uint8Array([1]);
    const byK1 = (at: number) => v.checkSigned(pub(k1), m, c.signer.sign(k1, m), at);

    let v = tiersOver(1);
    receive(v, v1.bytes);
    receive(v, bindingOf(0)); // evicts v1: the baid's chain tip is only in the store now
    // A rotation to a key v1 did not commit to: v1 is found in the store by the hash v2 names, and refused.
    expect(v.acceptBinding(bad.bytes, T0 + 1)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/pre-rotation/),
    });
    receive(v, v2.bytes, T0 + 1);
    for (let i = 1; i < 4; i++) receive(v, bindingOf(i)); // k1 and k2 are pinned, not evicted
    expect(byK1(T0 - 10).ok).toBe(true); // history stays valid
    expect(byK1(T0 + 10)).toMatchObject({ ok: false, reason: 'binding_expired' });

    // Restart: only the later versions are read at start; k1, loaded on demand, is stale against v2.
    v = tiersOver(1);
    for (const b of store.laterBindings()) expect(v.acceptStored(b, T0 + 20).ok).toBe(true);
    expect(byK1(T0 + 30).ok).toBe(false);
    expect(v.tierOf(toHex(pub(k1)), T0 + 30)).toBe(0);
    expect(v.tierOf(toHex(pub(k2)), T0 + 30)).toBe(2);
  });
});
