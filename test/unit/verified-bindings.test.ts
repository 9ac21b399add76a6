// The start-up verification cache (src/runtime/verified-bindings.ts) on a real SQLite store with real
// bindings and the strict verifier: a binding is answered from the cache only if its exact bytes were
// verified before by this node; a changed byte, a bad signature, a row edited by hand or written under
// another node's key is verified again, and the core's own checks (validity window) still apply.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBinding, encodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { checkBinding } from '../../src/core/identity/binding.js';
import type { SigVerifier } from '../../src/core/base/ports.js';
import { makeCryptoPort, nobleStrictVerifier } from '../../src/runtime/crypto-port.js';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';
import { primeKnownBindings, VerifiedBindings } from '../../src/runtime/verified-bindings.js';
import { PrimedVerifier } from '../../src/runtime/verifier.js';
import { DAY, identity, seed, T0 } from '../helpers.js';

/** The strict verifier, counting the signatures it is asked to verify. */
function counting() {
  const n = { sigs: 0 };
  const v: SigVerifier = {
    name: 'noble',
    verify: (p, m, s) => (n.sigs++, nobleStrictVerifier.verify(p, m, s)),
    verifyBatch: (items) => ((n.sigs += items.length), nobleStrictVerifier.verifyBatch(items)),
  };
  return { v, n };
}

const valid = [0, 1, 2, 3, 4].map((i) => identity(`vb${i}`).binding);
/** A well-formed binding whose agent signature is another message's: decodes, does not verify. */
const badSig = (() => {
  const a = decodeBinding(identity('vb-bad').binding, DEFAULT_LIMITS);
  const other = decodeBinding(identity('vb-other').binding, DEFAULT_LIMITS);
  return encodeBinding(a.binding, a.signers[0]!.signature, other.signers[1]!.signature);
})();

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentnet-vb-'));
  store = new SqliteStore(join(dir, 'agentnet.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(bindings: Uint8Array[], agentSecret = seed('node/agent')) {
  const c = counting();
  const verifier = new PrimedVerifier(c.v);
  const r = primeKnownBindings({ db: store.db, bindings, verifier, agentSecret, limits: DEFAULT_LIMITS, batchSize: 4 });
  return { r, verifier, n: c.n };
}

describe('verified-bindings cache', () => {
  it('first start verifies every signature; a restart answers the valid bindings from the cache only', () => {
    const first = start([...valid, badSig]);
    expect(first.r).toMatchObject({ known: 6, cached: 0, verified: 12, invalid: 1 });
    expect(first.n.sigs).toBe(12);

    const again = start([...valid, badSig]);
    expect(again.r).toMatchObject({ known: 6, cached: 5, verified: 2, invalid: 1 }); // the bad one is never remembered
    expect(again.n.sigs).toBe(2);
    // The core's check of a cached binding asks for its two signatures and gets them from the cache.
    const c = makeCryptoPort(again.verifier);
    for (const b of valid) expect(checkBinding(c, b, T0, DEFAULT_LIMITS).ok).toBe(true);
    expect(again.n.sigs).toBe(2);
    expect(checkBinding(c, badSig, T0, DEFAULT_LIMITS)).toMatchObject({ ok: false });
  });

  it('only signatures are cached: the validity window is still checked', () => {
    start(valid);
    const again = start(valid);
    expect(again.r.cached).toBe(5);
    expect(checkBinding(makeCryptoPort(again.verifier), valid[0]!, T0 + 400 * DAY, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      reason: 'binding_expired',
    });
  });

  it('a row edited by hand or written under another node key is not trusted; stale rows are dropped', () => {
    start(valid);
    // Swap the digests of two rows: each row's MAC no longer matches, so both are verified again.
    const rows = store.db.prepare('SELECT hash, digests FROM verified_bindings').all() as Array<{
      hash: Buffer;
      digests: Buffer;
    }>;
    expect(rows).toHaveLength(5);
    store.db.prepare('UPDATE verified_bindings SET digests = ? WHERE hash = ?').run(rows[1]!.digests, rows[0]!.hash);
    store.db.prepare('UPDATE verified_bindings SET digests = ? WHERE hash = ?').run(rows[0]!.digests, rows[1]!.hash);
    const edited = start(valid);
    expect(edited.r).toMatchObject({ cached: 3, verified: 4, invalid: 0 });

    const otherNode = start(valid, seed('another-node/agent'));
    expect(otherNode.r).toMatchObject({ cached: 0, verified: 10 });

    start(valid.slice(0, 2), seed('another-node/agent'));
    expect((store.db.prepare('SELECT count(*) AS n FROM verified_bindings').get() as { n: number }).n).toBe(2);
  });

  it('a binding changed by one byte is a different binding: verified, not answered from the cache', () => {
    start(valid);
    const changed = new Uint8Array(valid[0]!);
    changed[changed.length - 1]! ^= 1; // last byte of the agent signature
    const r = start([changed, ...valid.slice(1)]);
    expect(r.r).toMatchObject({ cached: 4, verified: 2, invalid: 1 });
    expect(checkBinding(makeCryptoPort(r.verifier), changed, T0, DEFAULT_LIMITS).ok).toBe(false);
  });

  it('trusted digests answer exactly their triple: same key and message with another signature is verified', () => {
    start(valid);
    const again = start(valid);
    const d = decodeBinding(valid[0]!, DEFAULT_LIMITS).signers[0]!;
    const forged = new Uint8Array(d.signature);
    forged[0]! ^= 1;
    expect(again.verifier.verify(d.kid, d.toBeSigned, forged)).toBe(false);
    expect(again.n.sigs).toBe(1);
    expect(again.verifier.verify(d.kid, d.toBeSigned, d.signature)).toBe(true);
    expect(again.n.sigs).toBe(1);
  });

  it('a store that cannot hold the cache still starts: every binding is verified, the error is reported', () => {
    store.db.exec('CREATE TABLE verified_bindings (x INTEGER)'); // incompatible table of the same name
    const r = start(valid);
    expect(r.r).toMatchObject({ cached: 0, verified: 10, invalid: 0 });
    expect(r.r.cacheError).toMatch(/hash|digests|column/);
  });
});

describe('verified-bindings cache, on demand (VerifiedBindings.vouch)', () => {
  function node(agentSecret = seed('node/agent')) {
    const c = counting();
    const verifier = new PrimedVerifier(c.v);
    const vb = new VerifiedBindings({ db: store.db, verifier, agentSecret, limits: DEFAULT_LIMITS });
    return { vb, verifier, n: c.n, port: makeCryptoPort(verifier) };
  }

  it('a binding is verified when first loaded, then answered from the cache; a bad one never is', () => {
    const first = node();
    for (const b of [...valid, badSig]) {
      first.vb.vouch(b);
      expect(checkBinding(first.port, b, T0, DEFAULT_LIMITS).ok).toBe(b !== badSig);
    }
    expect(first.vb.stats).toEqual({ cached: 0, verified: 12, invalid: 1 });
    expect(first.n.sigs).toBe(12); // the core's own check was answered by the primed batch

    const again = node();
    for (const b of [...valid, badSig]) {
      again.vb.vouch(b);
      expect(checkBinding(again.port, b, T0, DEFAULT_LIMITS).ok).toBe(b !== badSig);
    }
    expect(again.vb.stats).toEqual({ cached: 5, verified: 2, invalid: 1 });
    expect(again.n.sigs).toBe(2);

    const other = node(seed('another-node/agent')); // rows under another node's key are not trusted
    other.vb.vouch(valid[0]!);
    expect(other.vb.stats).toMatchObject({ cached: 0, verified: 2 });
  });

  it('an unusable cache table is reported; bindings are still verified', () => {
    store.db.exec('CREATE TABLE verified_bindings (x INTEGER)');
    const n = node();
    n.vb.vouch(valid[0]!);
    expect(n.vb.cacheError).toMatch(/hash|digests|column/);
    expect(checkBinding(n.port, valid[0]!, T0, DEFAULT_LIMITS).ok).toBe(true);
    expect(n.vb.stats).toMatchObject({ cached: 0, verified: 2 });
  });
});
