// The runtime's side of MG-EigenTrust (docs/architecture.md §7, §9): the kernel and the calls of the local API.
// The trust itself lives in the node core (core/node/trust-part.ts: fed by the core's events, recomputed at a
// deadline of the core); this module loads the power iteration it is handed (the WASM kernel build/eigentrust.wasm,
// or the TypeScript reference when the kernel cannot load, the reason in status) and offers the API its view,
// the re-ranking of discover() and a recompute on demand, each at the driver's clock.

import type { NodeCore } from '../core/node/node-core.js';
import { powerIterate } from '../core/trust/eigentrust.js';
import type { NodeTrust, RankedCandidate, TrustEntry } from '../core/trust/node-trust.js';
import type { PowerIterate } from '../core/trust/types.js';
import type { Candidate } from '../core/types.js';
import type { Driver } from './driver.js';
import { loadEigenTrust } from './wasm/eigentrust.js';

export { RECEIPT_TAG } from '../core/node/trust-part.js';

export interface TrustKernel {
  readonly iterate: PowerIterate;
  readonly kernel: 'wasm' | 'ts';
  /** Why the WASM kernel is not in use, if it is not. */
  readonly reason: string | null;
}

/** The WASM power iteration, or the TypeScript reference when the kernel cannot load. */
export function loadTrustKernel(): TrustKernel {
  try {
    return { iterate: loadEigenTrust(), kernel: 'wasm', reason: null };
  } catch (e) {
    return { iterate: powerIterate, kernel: 'ts', reason: e instanceof Error ? e.message : String(e) };
  }
}

export interface TrustRuntime {
  readonly kernel: 'wasm' | 'ts';
  /** Trust's state at its latest time and its rejections by reason (GET /metrics). */
  counts(): { status: ReturnType<NodeTrust['status']>; rejected: Record<string, number> };
  /** A co-signed receipt of a task this node was a party to (hex, from its task engine). */
  ownReceipt(hex: string): void;
  /** One recompute now (the core also recomputes at its own deadline, every trustRecomputeMs). */
  recompute(): number;
  rank(cands: readonly Candidate[], minTrust?: number): RankedCandidate[];
  view(topic?: string): {
    kernel: 'wasm' | 'ts';
    kernelFallback: string | null;
    status: ReturnType<NodeTrust['status']>;
    topic?: string;
    entries?: TrustEntry[];
  };
}

/** The API's handle on the trust of `node` (which must have been built with `trust`). */
export function trustRuntime(node: NodeCore, driver: Driver, k: TrustKernel, clock = Date.now): TrustRuntime {
  const viewOf = (now?: number, topic?: string) => {
    const v = node.trustView(now, topic);
    if (!v) throw new RangeError('trustRuntime: the node core was built without trust');
    return v;
  };
  viewOf(); // fails at assembly, not at the first API call
  return {
    kernel: k.kernel,
    counts: () => viewOf(),
    ownReceipt: (hex) => driver.call((now) => node.ownReceipt(now, hex)),
    recompute: () => driver.call((now) => node.recomputeTrust(now)),
    rank: (c, minTrust) => node.rank(c, minTrust, clock()),
    view(topic) {
      const v = viewOf(clock(), topic);
      const base = { kernel: k.kernel, kernelFallback: k.reason, status: v.status };
      return topic === undefined ? base : { ...base, topic, entries: v.entries ?? [] };
    },
  };
}
