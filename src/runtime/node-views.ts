// The status and metrics views of a running node (GET /status, GET /metrics; src/runtime/api/): read-only snapshots
// of its parts, assembled here so that node.ts stays assembly.

import type { AgentCore } from '../core/agent.js';
import type { NodeCore } from '../core/node/node-core.js';
import { LATENCY_BUCKETS, type Adapters } from './adapters/index.js';
import type { MetricsSnapshot } from './api/metrics.js';
import type { NodeConfig } from './config.js';
import type { Driver } from './driver.js';
import type { Embedder } from './embedder.js';
import { memoryNow } from './node-parts.js';
import type { Profile } from './profile.js';
import type { TaskRunner } from './tasks.js';
import type { Transport, TransportState } from './transport/types.js';
import type { TrustRuntime } from './trust.js';
import { verifierFallbackReason, type PrimedVerifier } from './verifier.js';
import type { chooseKernel } from './wasm/simd.js';

/** The parts of a node its views read. */
export interface NodeViewParts {
  readonly config: NodeConfig;
  readonly profile: Profile;
  readonly kernel: ReturnType<typeof chooseKernel>;
  readonly core: AgentCore;
  readonly node: NodeCore;
  readonly verifier: PrimedVerifier;
  readonly driver: Driver;
  readonly transport: Transport;
  readonly trust: TrustRuntime;
  readonly tasks: TaskRunner;
  readonly adapters: Adapters;
  /** The configured embedder of free-text discovery, if any. */
  readonly embedder: Embedder | undefined;
  readonly brokerUrl: string;
  /** Date.now() when the node started. */
  readonly started: number;
  /** The broker link now; reconnects since the first connection. */
  readonly link: { readonly state: TransportState; readonly reconnects: number };
}

/** GET /status: the agent core's status and the node's parts. */
export function nodeStatus(p: NodeViewParts) {
  const { config, profile, kernel, core, node, verifier, driver, transport, trust, tasks, brokerUrl, started, link } =
    p;
  const rateLimited = node.rateLimited();
  return {
    ...core.status(),
    profile: profile.name,
    wasm: { simd: kernel.simdSupported, kernel: kernel.kernel, reason: kernel.reason },
    network: config.network,
    verifier: {
      name: verifier.name,
      batches: verifier.batches + node.sigs.batches,
      primed: verifier.primed,
      hits: verifier.hits,
      received: { ...node.sigs },
      ...(verifierFallbackReason() ? { fallback: verifierFallbackReason() } : {}),
    },
    link: {
      broker: brokerUrl,
      state: link.state,
      reconnects: link.reconnects,
      ...(transport.stats ? { transport: transport.stats() } : {}),
    },
    storeError: driver.storeError?.code ?? null,
    pruned: { ...driver.pruned },
    tasks: tasks.status(),
    ...(rateLimited ? { rateLimited } : {}),
    trust: trust.view(),
    // Bounded caches' occupancy and the process' memory by kind (a soak tells warm-up from growth with them).
    caches: { t0: node.t0Occupancy(), primed: verifier.occupancy() },
    memory: memoryNow(),
    uptimeMs: Date.now() - started,
  };
}

/** GET /metrics. */
export function nodeMetrics(p: NodeViewParts): MetricsSnapshot {
  const { core, node, verifier, driver, trust, tasks, adapters, embedder, started, link } = p;
  const s = core.status();
  const { status: ts, rejected: trustRejected } = trust.counts();
  return {
    verified: s.verified as unknown as Record<string, number>,
    rejected: core.counters.rejected(true),
    bytes: s.bytes,
    pulls: s.pulls,
    gapRepairs: s.gapRepairs,
    discoveries: s.discoveries,
    storeUndecodable: s.storeUndecodable,
    queues: { ...s.pending, driver: driver.queueDepth },
    knownAgents: s.knownAgents,
    entries: s.entries,
    pruned: { ...driver.pruned },
    link: { state: link.state, reconnects: link.reconnects },
    verifierBatches: verifier.batches + node.sigs.batches,
    trust: {
      receipts: ts.receipts.accepted,
      held: ts.receipts.held,
      agents: ts.agents,
      slashed: ts.slashed,
      epochs: ts.epochs,
      entriesSent: ts.entriesSent,
      rejected: trustRejected,
    },
    adapters: adapters.stats(),
    ...(embedder ? { embedder: embedder.stats() } : {}),
    latencyBuckets: LATENCY_BUCKETS,
    tasks: tasks.countByState(),
    balance: tasks.balance(),
    uptimeMs: Date.now() - started,
  };
}
