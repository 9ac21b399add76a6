// Ed25519 signing: the runtime's signer (node:crypto / OpenSSL) against @noble/ed25519 (the reference
// it must equal byte for byte, test/unit/signer.test.ts), in one process and one run, rounds
// interleaved so machine noise hits both alike. An append signs one entry, and each batch of appends
// one frontier, so this bounds the API's append rate.
// Run: `node bench/sign.run.mjs [--rounds 7]`.
import { randomBytes } from 'node:crypto';
import { nobleSigner, nodeSigner } from '../src/runtime/crypto-port.js';
import type { SigSigner } from '../src/core/base/ports.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function benchSigners(rounds: number): { node: number; noble: number; ratio: number } {
  const secret = new Uint8Array(randomBytes(32));
  const msgs = Array.from({ length: 256 }, (_, i) => new Uint8Array(randomBytes(200 + (i % 40))));
  const round = (s: SigSigner, n: number): number => {
    const t = performance.now();
    for (let i = 0; i < n; i++) s.sign(secret, msgs[i % msgs.length]!);
    return (n / (performance.now() - t)) * 1000;
  };
  const node = nodeSigner;
  round(node, 256);
  round(nobleSigner, 64); // warm-up
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(round(node, 2048));
    b.push(round(nobleSigner, 256));
  }
  return { node: median(a), noble: median(b), ratio: median(a) / median(b) };
}

export function main(argv: string[]): void {
  const i = argv.indexOf('--rounds');
  const r = benchSigners(i >= 0 ? Number(argv[i + 1]) : 7);
  console.log(
    `| signer | signatures/s (median) |\n|---|---:|\n| node:crypto (runtime) | ${r.node.toFixed(0)} |\n| noble (reference) | ${r.noble.toFixed(0)} |\nratio in this run: ${r.ratio.toFixed(1)}x`,
  );
}
