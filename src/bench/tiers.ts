// Per-tier verification cost, end to end (decode, policy, crypto), in µs per operation, with the
// verifier the runtime uses. Medians of `rounds` rounds, rounds interleaved across tiers.

import { randomBytes } from 'node:crypto';
import { toHex } from '../core/base/bytes.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry } from '../core/codec/entry.js';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import { makeBinding } from '../core/identity/binding.js';
import { attestationRegistry } from '../core/identity/attestation-builder.js';
import { DEFAULT_POLICY_CONFIG, requiredTier } from '../core/identity/policy.js';
import { IdentityTiers } from '../core/identity/tiers.js';
import { makeSketch } from '../core/gossip/sketch.js';
import type { CryptoPort } from '../core/base/ports.js';

export interface TierResult {
  usPerOp: number;
  opsPerSec: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rnd = (n: number) => new Uint8Array(randomBytes(n));

export function benchTiers(
  c: CryptoPort,
  o: { rounds: number; agents?: number },
): Record<'T0' | 'T1' | 'T2' | 'T3', TierResult> {
  const now = Date.now();
  const n = o.agents ?? 128;
  const op = rnd(32);
  const leaves = Array.from({ length: 1000 }, () => rnd(32));
  const agents = Array.from({ length: n }, (_, i) => {
    const secret = rnd(32);
    const codeHash = leaves[i * 7]!;
    const { bytes } = makeBinding(c, {
      operatorSecret: op,
      agentSecret: secret,
      codeHash,
      config: {},
      salt: rnd(16),
      notBefore: now - 1000,
      notAfter: now + 86_400_000,
    });
    const body = rnd(100);
    const e: Entry = {
      author: c.signer.publicKey(secret),
      topic: 'data_analysis',
      epoch: 0,
      seq: 1,
      kind: 'capability',
      ts: now,
      expires: now + 3600_000,
      bodyHash: c.sha256(body),
      bodyLen: 100,
      sketch: makeSketch(c, ['data.sql']),
      tier: 2,
    };
    return {
      secret,
      binding: bytes,
      entry: encodeEntry(e, c.signer.sign(secret, entryToBeSigned(e))),
      codeIndex: i * 7,
    };
  });
  const registry = attestationRegistry(c, {
    registryId: 'bench',
    leaves,
    ts: now,
    registrars: [rnd(32), rnd(32), rnd(32)],
    threshold: 2,
    issuer: rnd(32),
    level: 2,
  });
  const { checkpoint, trust } = registry;
  const credential = registry.credential(c.signer.publicKey(op), now + 86_400_000);
  const inclusions = agents.map((a) => registry.inclusion(a.codeIndex));

  const warm = new IdentityTiers(c, DEFAULT_LIMITS, 1 << 16);
  for (const a of agents) warm.acceptBinding(a.binding, now);
  const ids = agents.map((a) => toHex(c.sha256(a.entry)));
  ids.forEach((id) => warm.remember(id));

  const runs: Record<'T0' | 'T1' | 'T2' | 'T3', () => number> = {
    T0: () => {
      let hits = 0;
      for (const a of agents) {
        requiredTier(DEFAULT_POLICY_CONFIG, 'header');
        decodeEntry(a.entry, DEFAULT_LIMITS);
        if (warm.seenBefore(toHex(c.sha256(a.entry)))) hits++;
      }
      if (hits !== n) throw new Error('T0 bench: cache misses');
      return n;
    },
    T1: () => {
      for (const a of agents) {
        requiredTier(DEFAULT_POLICY_CONFIG, 'header');
        const se = decodeEntry(a.entry, DEFAULT_LIMITS);
        c.sha256(a.entry);
        if (!warm.checkSigned(se.entry.author, se.toBeSigned, se.signature, se.entry.ts, se.entry.topic).ok)
          throw new Error('T1 bench: rejected');
      }
      return n;
    },
    T2: () => {
      const v = new IdentityTiers(c, DEFAULT_LIMITS);
      for (const a of agents) {
        requiredTier(DEFAULT_POLICY_CONFIG, 'bid');
        if (!v.acceptBinding(a.binding, now).ok) throw new Error('T2 bench: rejected');
      }
      return n;
    },
    T3: () => {
      const m = Math.min(n, 32);
      for (let i = 0; i < m; i++) {
        requiredTier(DEFAULT_POLICY_CONFIG, 'highValueTask');
        const a = agents[i]!;
        if (
          !warm.attest(
            toHex(c.signer.publicKey(a.secret)),
            { checkpoint, inclusion: inclusions[i]!, credential },
            trust,
            now,
          ).ok
        )
          throw new Error('T3 bench: rejected');
      }
      return m;
    },
  };
  const samples: Record<string, number[]> = { T0: [], T1: [], T2: [], T3: [] };
  for (const f of Object.values(runs)) f(); // warm-up
  for (let r = 0; r < o.rounds; r++) {
    for (const [k, f] of Object.entries(runs)) {
      const t = performance.now();
      const ops = f();
      samples[k]!.push(((performance.now() - t) * 1000) / ops);
    }
  }
  const out = {} as Record<'T0' | 'T1' | 'T2' | 'T3', TierResult>;
  for (const k of ['T0', 'T1', 'T2', 'T3'] as const) {
    const us = median(samples[k]!);
    out[k] = { usPerOp: Number(us.toFixed(2)), opsPerSec: Math.round(1e6 / us) };
  }
  return out;
}
