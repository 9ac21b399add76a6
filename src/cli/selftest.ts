// `agentnet check --selftest`: proves on this device, end to end, that the pieces a node needs work
// together: the WASM kernels load and verify, SQLite opens in WAL, the embedded broker starts, two
// nodes in this process announce and discover each other over it (T1 entries, T2 bindings), and a T3
// attestation (2-of-3 registrar checkpoint, RFC 9162 inclusion of the code hash, KYC credential) built
// here verifies, while a tampered one does not. Each step is timed; the first failure stops the run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../core/base/bytes.js';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import { makeBinding } from '../core/identity/binding.js';
import { attestationRegistry } from '../core/identity/attestation-builder.js';
import { IdentityTiers } from '../core/identity/tiers.js';
import { startEmbeddedBroker } from '../runtime/broker.js';
import { loadConfig } from '../runtime/config.js';
import { makeCryptoPort, randomSecret } from '../runtime/crypto-port.js';
import { createLogger } from '../runtime/logger.js';
import { startNode, type AgentNode } from '../runtime/node.js';
import { SqliteStore } from '../runtime/store/sqlite.js';
import { loadEd25519Verifier } from '../runtime/wasm/ed25519.js';
import { fletcher32Reference as fletcher32, loadProbe } from '../runtime/wasm/probe.js';
import type { CheckResult } from './checks.js';

type Step = () => Promise<string> | string;

export async function selftest(profile: string, timeoutMs = 60_000): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-selftest-'));
  const nodes: AgentNode[] = [];
  const wasm = loadEd25519Verifier();
  const c = makeCryptoPort(wasm);
  const steps: Array<[string, Step]> = [
    [
      'selftest: wasm kernels',
      () => {
        const probe = loadProbe();
        const data = c.sha512(new Uint8Array([1, 2, 3]));
        if (probe.fletcher32(data) !== fletcher32(data))
          throw new Error('probe kernel checksum differs from the reference');
        const sk = randomSecret();
        const msg = new TextEncoder().encode('agentnet selftest');
        const sig = c.signer.sign(sk, msg);
        const pk = c.signer.publicKey(sk);
        const bad = sig.slice();
        bad[0]! ^= 1;
        // The kernel the node loads (auto: SIMD where the engine has it) and, if that is the SIMD build,
        // the scalar fallback too: both must give the same answers here.
        const kernels = wasm.kernel === 'simd' ? [wasm, loadEd25519Verifier({ kernel: 'scalar' })] : [wasm];
        for (const v of kernels) {
          const batch = v.verifyBatch([
            { pub: pk, msg, sig },
            { pub: pk, msg, sig: bad },
          ]);
          if (!v.verify(pk, msg, sig) || v.verify(pk, msg, bad) || batch[0] !== true || batch[1] !== false)
            throw new Error(`ed25519 ${v.kernel} kernel gave a wrong answer`);
        }
        return `probe ABI ${probe.abi}, ed25519 ${kernels.map((k) => k.kernel).join(' and ')} kernel${kernels.length > 1 ? 's' : ''} (${wasm.kernel} selected) single and batch: good accepted, tampered refused`;
      },
    ],
    [
      'selftest: sqlite',
      () => {
        const s = new SqliteStore(join(dir, 'wal.db'));
        const mode = s.db.pragma('journal_mode', { simple: true });
        s.close();
        if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}`);
        return `WAL store opened and closed in ${dir}`;
      },
    ],
    [
      'selftest: broker + 2 nodes',
      async () => {
        const broker = await startEmbeddedBroker();
        try {
          const quiet = createLogger({ level: 'error' });
          const start = (name: string) =>
            startNode(
              loadConfig({
                env: {},
                flags: { dataDir: join(dir, name), network: 'selftest', broker: broker.url, profile },
              }),
              { logger: quiet },
            );
          const a = await start('a');
          nodes.push(a);
          const b = await start('b');
          nodes.push(b);
          const found = new Promise<string>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no discovery within ${timeoutMs} ms`)), timeoutMs);
            b.onEvent((e) => {
              if (e.type === 'discovered' && e.author === a.core.agentHex) {
                clearTimeout(t);
                resolve(`${e.ms} ms`);
              }
            });
          });
          a.announce({ kind: 'capability', topic: 'selftest', tags: ['selftest.echo'], text: 'echo' });
          b.announce({ kind: 'intent', topic: 'selftest', tags: ['selftest.echo'], text: 'need echo' });
          const ms = await found;
          const v = b.status().verified as { T1: number; T2: number };
          if (!(v.T1 >= 1 && v.T2 >= 1)) throw new Error(`node b verified T1 ${v.T1}, T2 ${v.T2}`);
          return `b discovered a in ${ms} over ${broker.url}; b verified T1 ${v.T1}, T2 ${v.T2}`;
        } finally {
          for (const n of nodes.splice(0)) await n.close();
          await broker.close();
        }
      },
    ],
    [
      'selftest: T3 attestation',
      () => {
        const now = Date.now();
        const op = randomSecret();
        const agent = randomSecret();
        const codeHash = c.sha256(new TextEncoder().encode('selftest code'));
        const binding = makeBinding(c, {
          operatorSecret: op,
          agentSecret: agent,
          codeHash,
          config: {},
          salt: randomSecret().slice(0, 16),
          notBefore: now - 1000,
          notAfter: now + 86_400_000,
        });
        const pub = (s: Uint8Array) => c.signer.publicKey(s);
        const leaves = [
          c.sha256(new Uint8Array([1])),
          codeHash,
          c.sha256(new Uint8Array([2])),
          c.sha256(new Uint8Array([3])),
        ];
        const registry = attestationRegistry(c, {
          registryId: 'selftest',
          leaves,
          ts: now,
          registrars: [randomSecret(), randomSecret(), randomSecret()],
          threshold: 2,
          issuer: randomSecret(),
          level: 2,
        });
        const expires = now + 86_400_000;
        const v = new IdentityTiers(c, DEFAULT_LIMITS);
        const t2 = v.acceptBinding(binding.bytes, now);
        if (!t2.ok) throw new Error(`T2 refused the binding: ${JSON.stringify(t2)}`);
        const msg = new Uint8Array([7, 7, 7]);
        const t1 = v.checkSigned(pub(agent), msg, c.signer.sign(agent, msg), now);
        if (!t1.ok) throw new Error(`T1 refused a good signature: ${JSON.stringify(t1)}`);
        const agentHex = toHex(pub(agent));
        // Wrong leaf index: the proof must fail before the good one is accepted.
        const wrong = v.attest(agentHex, registry.evidence(0, pub(op), expires), registry.trust, now);
        if (wrong.ok) throw new Error('T3 accepted an inclusion proof of another leaf');
        const good = v.attest(agentHex, registry.evidence(1, pub(op), expires), registry.trust, now);
        if (!good.ok || v.tierOf(agentHex, now) !== 3)
          throw new Error(`T3 refused valid evidence: ${JSON.stringify(good)}`);
        return `T1, T2 and T3 (2-of-3 checkpoint, inclusion in ${leaves.length} leaves, credential) verified; wrong leaf refused`;
      },
    ],
  ];
  try {
    for (const [name, step] of steps) {
      const t0 = performance.now();
      try {
        const detail = await step();
        out.push({ name, status: 'ok', detail: `${detail} (${Math.round(performance.now() - t0)} ms)` });
      } catch (e) {
        out.push({ name, status: 'fail', detail: (e as Error).message });
        break;
      }
    }
  } finally {
    for (const n of nodes) await n.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
