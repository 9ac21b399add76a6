// The run time of a whole-node trust run (docs/trust.md §11 "Run time"), from real runs:
//   count N E Q METHOD SEED   one run of src/sim/trust/whole.ts: deliveries (a message reaching one node's process)
//                             by kind, heap per epoch, process CPU, CPU per delivery;
//   floor K M                 the receive path alone: K nodes (NodeCore without trust, task engine or flood gate)
//                             receive M intents of one author (a header and a frontier each, signatures memoised
//                             across nodes as in the runs); CPU of the deliveries only, per delivery.
// Usage: node bench/whole-deliveries.run.mjs count 30 10 10 mg 1 | floor 50 200

import { decodeBody } from '../src/core/codec/body.js';
import { decodeEntry } from '../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../src/core/codec/limits.js';
import { decodeDirect } from '../src/core/codec/messages.js';
import { decodeTaskMsg } from '../src/core/codec/task.js';
import { makeCryptoPort } from '../src/runtime/crypto-port.js';
import { defaultVerifier } from '../src/runtime/verifier.js';
import { loadEigenTrust } from '../src/runtime/wasm/eigentrust.js';
import { simIdentity } from '../src/sim/net/identities.js';
import { SharedEntries, SharedEntryStore } from '../src/sim/net/intern.js';
import { memoizedCrypto } from '../src/sim/net/memo-crypto.js';
import { NodeProc } from '../src/sim/net/node-proc.js';
import { World } from '../src/sim/net/world.js';
import { scenarioOf } from '../src/sim/trust/index.js';
import type { Method } from '../src/sim/trust/run.js';
import { runWhole } from '../src/sim/trust/whole.js';
import { PAPER_TOPICS } from '../src/sim/trust/world.js';

const LIMITS = { ...DEFAULT_LIMITS, messageBytes: 1 << 24 };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

/** The kind of a delivered message: channel, then entry kind, task message type or body tag. */
function kindOf(name: string, b: Uint8Array): string {
  const cat = name.slice(0, name.indexOf('/'));
  try {
    if (cat === 'header') return `header.${decodeEntry(b, LIMITS).entry.kind}`;
    if (cat === 'direct') {
      const d = decodeDirect(b, LIMITS);
      return d.type === 'task' ? `task.${decodeTaskMsg(d.msg, LIMITS).msg.type}` : `direct.${d.type}`;
    }
    if (cat === 'body') {
      const t = decodeBody(b, LIMITS).tags;
      if (t.includes('reputation')) return 'body.reputation';
      return t.some((x) => x.startsWith('receipt')) ? 'body.receipt' : 'body.other';
    }
  } catch {
    return `${cat}.undecoded`;
  }
  return cat;
}

function count(n: number, epochs: number, queries: number, method: Method, seed: number): void {
  const iterate = loadEigenTrust();
  const sc = scenarioOf({ seeds: 1, nodes: n, epochs, queriesPerTopic: queries, iterate });
  const kinds = new WeakMap<Uint8Array, string>(); // one message object reaches many nodes: classified once
  const counts = new Map<string, number>();
  const t0 = performance.now();
  const c0 = cpuMs();
  const m = runWhole(
    sc,
    PAPER_TOPICS,
    method,
    seed,
    iterate,
    makeCryptoPort(defaultVerifier()),
    (e, s) => {
      const mu = process.memoryUsage();
      const mb = (x: number) => `${(x / 1e6).toFixed(0)} MB`;
      console.error(
        `epoch ${e} success ${s.toFixed(4)} wall ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
          `heap ${mb(mu.heapUsed)} rss ${mb(mu.rss)}`,
      );
    },
    (w) => {
      w.onDeliver = (_node, name, bytes) => {
        let k = kinds.get(bytes);
        if (k === undefined) kinds.set(bytes, (k = kindOf(name, bytes)));
        counts.set(k, (counts.get(k) ?? 0) + 1);
      };
    },
  );
  const cpu = cpuMs() - c0;
  const deliveries = [...counts.values()].reduce((a, b) => a + b, 0);
  const byKind = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
  const attack = m.queries ? m.hits / m.queries : 0;
  console.log(JSON.stringify({ n, epochs, queries, method, seed, attack, tasks: m.tasks, cpuMs: cpu, deliveries }));
  console.log(JSON.stringify({ usPerDelivery: (1000 * cpu) / deliveries, byKind }));
}

function floor(k: number, msgs: number): void {
  const { crypto } = memoizedCrypto(makeCryptoPort(defaultVerifier()));
  const world = new World(1, { lossP: 0 });
  const shared = new SharedEntries();
  const topic = (PAPER_TOPICS[0] as { name: string }).name;
  const procs: NodeProc[] = [];
  for (let i = 0; i <= k; i++) {
    const id = simIdentity(crypto, 1, i, 10);
    world.addNode((io) => {
      const p = new NodeProc(
        io,
        { crypto, store: new SharedEntryStore(shared), agentSecret: id.agentSecret, binding: id.binding },
        { onStart: (c) => c.follow(topic) },
        { trust: false, flood: false, tasks: false },
      );
      procs[i] = p;
      return p;
    });
    world.join(i);
  }
  world.run(60_000);
  const before = new Map(world.delivered);
  let sign = 0;
  let recv = 0;
  for (let q = 0; q < msgs; q++) {
    const a = cpuMs();
    world.act(0, () =>
      (procs[0] as NodeProc).act(world.now, (c, now) =>
        c.announce(now, { kind: 'intent', topic, tags: ['x'], text: `intent ${q}`, ttlMs: 3_600_000 }),
      ),
    );
    const b = cpuMs();
    world.run(world.now + 1000);
    sign += b - a;
    recv += cpuMs() - b;
  }
  const by: Record<string, number> = {};
  for (const [c, v] of world.delivered) by[c] = v - (before.get(c) ?? 0);
  const n = Object.values(by).reduce((x, y) => x + y, 0);
  console.log(
    JSON.stringify({
      nodes: k,
      intents: msgs,
      deliveries: by,
      signMs: sign,
      recvMs: recv,
      usPerDelivery: (1000 * recv) / n,
    }),
  );
}

export function main(argv: string[]): void {
  const [mode, ...a] = argv;
  const num = (i: number, d: number) => (a[i] === undefined ? d : Number(a[i]));
  if (mode === 'count') count(num(0, 30), num(1, 10), num(2, 10), (a[3] ?? 'mg') as Method, num(4, 1));
  else if (mode === 'floor') floor(num(0, 50), num(1, 200));
  else throw new RangeError('usage: count N EPOCHS QUERIES METHOD SEED | floor NODES INTENTS');
}
