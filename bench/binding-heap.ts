// Heap per cached binding (src/core/identity/tiers.ts): `n` stored bindings loaded on demand into an IdentityTiers
// over a real SQLite store, V8 heap after a full GC before and after, divided by n. Two ways side by side in one
// process, alternated `rounds` times: as the runtime holds them (one buffer per binding, `compact` in tiers.ts) and as
// decoded (each byte field its own ArrayBuffer; what tiers.ts keeps when given a shared decoder, as a simulator does).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { equalBytes, fromHex } from '../src/core/base/bytes.js';
import { decodeBinding } from '../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../src/core/codec/limits.js';
import { makeBinding } from '../src/core/identity/binding.js';
import { IdentityTiers } from '../src/core/identity/tiers.js';
import { makeCryptoPort, nobleStrictVerifier, randomSecret } from '../src/runtime/crypto-port.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';

const c = makeCryptoPort(nobleStrictVerifier);

export async function main(argv: string[]): Promise<void> {
  const arg = (n: string, d: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d);
  const n = Number(arg('n', '2048'));
  const rounds = Number(arg('rounds', '3'));
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-binding-heap-'));
  const store = new SqliteStore(join(dir, 'a.db'));
  try {
    const now = Date.now();
    const op = randomSecret();
    const keys: string[] = [];
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const b = makeBinding(c, {
          operatorSecret: op,
          agentSecret: randomSecret(),
          codeHash: c.sha256(new Uint8Array([i & 255])),
          config: { model: c.sha256(new Uint8Array([1])) },
          salt: randomSecret().slice(0, 16),
          notBefore: now - 60_000,
          notAfter: now + 86_400_000,
        });
        store.putBinding(b.binding.agentKey, 1, b.bytes, b.binding.baid);
        keys.push(Buffer.from(b.binding.agentKey).toString('hex'));
      }
    });
    const source = {
      bindingOf: (h: string) => store.binding(fromHex(h)),
      bindingWithHash: (h: Uint8Array) => store.findBinding((b) => equalBytes(c.sha256(b), h)),
      bindingsOfBaid: (b: Uint8Array) => store.bindingsOfBaid(b),
    };
    const perBinding = (decoded: boolean): number => {
      const decoder = decoded ? decodeBinding : undefined;
      let v: IdentityTiers | undefined = new IdentityTiers(c, DEFAULT_LIMITS, 64, undefined, decoder, source, n + 1);
      v.tierOf('00'.repeat(32), now); // sets the clock
      gc();
      gc();
      const h0 = process.memoryUsage().heapUsed;
      for (const k of keys) if (v.tierOf(k, now) !== 2) throw new Error('binding-heap: a stored binding was refused');
      gc();
      gc();
      const bytes = (process.memoryUsage().heapUsed - h0) / n;
      if (v.knownAgents() !== n) throw new Error('binding-heap: cache did not hold every binding');
      v = undefined;
      return Math.round(bytes);
    };
    const compact: number[] = [];
    const decoded: number[] = [];
    for (let r = 0; r < rounds; r++) {
      decoded.push(perBinding(true));
      compact.push(perBinding(false));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      JSON.stringify(
        {
          n,
          rounds,
          node: process.version,
          loadavg: (await import('node:os')).loadavg(),
          heapBytesPerBinding: { compact: med(compact), decoded: med(decoded), samples: { compact, decoded } },
          ratio: +(med(compact) / med(decoded)).toFixed(2),
        },
        null,
        2,
      ),
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
