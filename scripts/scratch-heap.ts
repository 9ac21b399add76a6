import { writeHeapSnapshot } from 'node:v8';
import { makeCryptoPort, nobleStrictVerifier } from '../src/runtime/crypto-port.js';
import { runScaleExperiment } from '../src/sim/discovery/scale.js';
export function main(n: number) {
  const crypto = makeCryptoPort(nobleStrictVerifier);
  let snap = '';
  runScaleExperiment({ nodes: n, crypto, repairNodes: 0, forkNodes: 0, onProgress: (m) => {
    console.error(m, Math.round(process.memoryUsage().heapUsed / 1048576), 'MiB');
    if (m.includes('dissemination done')) { global.gc?.(); console.error('after gc', Math.round(process.memoryUsage().heapUsed / 1048576)); snap = writeHeapSnapshot('/tmp/prof/a.heapsnapshot'); }
  } });
  console.error(snap);
}
