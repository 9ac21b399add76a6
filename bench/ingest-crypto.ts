// The crypto-only cost of the entries an ingest run stored (bench/ingest.ts): measured in a child process of
// the same runtime, Node flags and environment as the nodes (`agentnet bench ingest --crypto-of DB`), on the
// very `state` entries the observer stored, in CPU time: decode (COSE_Sign1 + CBOR header, for reference), Ed25519
// verification single and in batches (the kernel the profile selects, src/runtime/wasm/simd.ts), and signing
// the same signed bytes with node:crypto (what a publisher pays per entry besides verifying its own).

import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { KINDS, decodeEntry } from '../src/core/codec/entry.js';
import { makeCryptoPort, randomSecret } from '../src/runtime/crypto-port.js';
import { nodeEnv, nodeFlags } from '../src/runtime/node-flags.js';
import { loadProfile } from '../src/runtime/profile.js';
import { defaultVerifier } from '../src/runtime/verifier.js';
import { chooseKernel } from '../src/runtime/wasm/simd.js';

export interface CryptoCost {
  readonly entries: number;
  readonly kernel: string;
  /** ms per entry, median of the rounds. */
  readonly decodeMs: number;
  readonly verifySingleMs: number;
  readonly verifyBatchMs: number;
  readonly batch: number;
  readonly signMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs in the child: reads the stored state entries of `db` and times each step over all of them. */
export function measureCrypto(db: string, profileName: string, rounds = 5): CryptoCost {
  const profile = loadProfile(profileName);
  const d = new Database(db, { readonly: true });
  const rows = d.prepare('SELECT bytes FROM entries WHERE kind = ?').all(KINDS.indexOf('state')) as Array<{
    bytes: Buffer;
  }>;
  d.close();
  if (rows.length === 0) throw new Error(`no state entries stored in ${db}`);
  const bytes = rows.map((r) => new Uint8Array(r.bytes));
  const kernel = chooseKernel(profile.wasm).kernel;
  const v = defaultVerifier(kernel.endsWith('.simd') ? 'simd' : 'scalar');
  const signer = makeCryptoPort(v).signer;
  const secret = randomSecret();
  const batch = Math.min(profile.verifyBatchSize, 64);
  // CPU time (user + system) like the nodes' figures from /proc, not wall time: on a shared machine the
  // wall time also counts the time this process waited for a core.
  const time = (fn: () => void): number => {
    const t = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t);
    return (d.user + d.system) / 1000 / bytes.length;
  };
  const per = { decode: [] as number[], single: [] as number[], batch: [] as number[], sign: [] as number[] };
  let items = bytes.map((b) => decodeEntry(b, profile.limits));
  for (let r = 0; r < rounds; r++) {
    per.decode.push(time(() => (items = bytes.map((b) => decodeEntry(b, profile.limits)))));
    const sig = items.map((s) => ({ pub: s.entry.author, msg: s.toBeSigned, sig: s.signature }));
    per.single.push(
      time(() => {
        for (const i of sig) if (!v.verify(i.pub, i.msg, i.sig)) throw new Error('a stored entry does not verify');
      }),
    );
    per.batch.push(
      time(() => {
        for (let k = 0; k < sig.length; k += batch)
          if (v.verifyBatch(sig.slice(k, k + batch)).includes(false)) throw new Error('a stored entry does not verify');
      }),
    );
    per.sign.push(time(() => sig.forEach((i) => signer.sign(secret, i.msg))));
  }
  const ms = (xs: number[]) => +median(xs).toFixed(4);
  return {
    entries: bytes.length,
    kernel,
    decodeMs: ms(per.decode),
    verifySingleMs: ms(per.single),
    verifyBatchMs: ms(per.batch),
    batch,
    signMs: ms(per.sign),
  };
}

/** Spawns the child (same runtime, the profile's flags and environment) and reads its JSON answer. */
export function cryptoCostOf(o: { profile: string; bundle: string }, db: string): CryptoCost {
  const p = loadProfile(o.profile);
  const r = spawnSync(
    process.execPath,
    [...nodeFlags(p), o.bundle, 'bench', 'ingest', '--crypto-of', db, '--profile', o.profile],
    { encoding: 'utf8', env: { ...process.env, ...nodeEnv(p) } },
  );
  if (r.status !== 0) throw new Error(`crypto measurement failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CryptoCost;
}
