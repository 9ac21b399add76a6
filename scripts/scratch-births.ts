import { makeCryptoPort, nobleStrictVerifier } from '../src/runtime/crypto-port.js';
import { bodylessMethod } from '../src/sim/discovery/bodyless.js';
import { runMethod, type Method } from '../src/sim/discovery/runner.js';
import { buildScenario } from '../src/sim/discovery/workload.js';
import { simIdentity } from '../src/sim/net/identities.js';
import { memoizedCrypto } from '../src/sim/net/memo-crypto.js';
import type { AgentProc } from '../src/sim/net/agent-proc.js';

export function main() {
  const { crypto } = memoizedCrypto(makeCryptoPort(nobleStrictVerifier));
  const sc = buildScenario({ nodes: 200, churn: 0.2, seed: 1 });
  const ids = Array.from({ length: 201 }, (_, i) => simIdentity(crypto, 1, i));
  const b = bodylessMethod();
  const cls = new Map<string, number>();
  const add = (k: string, v: number) => cls.set(k, (cls.get(k) ?? 0) + v);
  const m: Method = {
    ...b,
    addNodes(ctx) {
      b.addNodes(ctx);
      ctx.world.onDeliver = (j, name, bytes) => {
        const p = ctx.world.proc(j) as AgentProc | undefined;
        const [cat, key] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
        if (cat === 'birth') add(p?.core.verifier.bindingOf(key) ? 'birth/known' : 'birth/new', bytes.length);
        else if (cat === 'direct') add(`direct/${bytes[3]}`, bytes.length);
        else add(cat, bytes.length);
      };
    },
  };
  const out = runMethod(m, sc, crypto, ids, 1, {});
  console.log(out.bytes / out.issued, [...cls].map(([k, v]) => `${k} ${(v / 196 / 1000).toFixed(1)}kB`).join(', '));
}
