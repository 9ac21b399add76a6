// AgentNode: one long-running node (docs/architecture.md §9) assembled from a config: profile, SQLite store in the
// data directory, identity, verifier, transport (embedded broker when none is configured), core,
// driver and local API. `close()` is graceful: the driver drains what it accepted, the store closes
// cleanly (WAL checkpoint), the broker connection ends.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentCore } from '../core/agent.js';
import { FieldError } from '../core/codec/schema.js';
import { TaskConflictError } from '../core/task/engine.js';
import type { SigVerifier } from '../core/base/ports.js';
import type { CoreEvent, Declaration, DiscoverQuery, LogHeadInfo, OwnDeclaration, PeerInfo } from '../core/types.js';
import { apiUrl, checkApiAccess, startApi, type Api } from './api/server.js';
import type { MetricsSnapshot } from './api/metrics.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import type { NodeConfig } from './config.js';
import { makeCryptoPort } from './crypto-port.js';
import { Driver } from './driver.js';
import { Conduct } from '../core/trust/conduct.js';
import { floodLimitsOf, type FloodLimits } from '../core/gossip/gate.js';
import { NodeCore } from '../core/node/node-core.js';
import { ensureIdentity } from './identity.js';
import { createLogger, type Logger } from './logger.js';
import { loadProfile, type Profile } from './profile.js';
import { SqliteStore } from './store/sqlite.js';
import { createTransport } from './transport/index.js';
import type { TransportState } from './transport/types.js';
import type { RankedCandidate } from '../core/trust/node-trust.js';
import { loadTrustKernel, trustRuntime, type TrustRuntime } from './trust.js';
import { chooseKernel } from './wasm/simd.js';
import { TaskRunner } from './tasks.js';
import { Adapters } from './adapters/index.js';
import { AdapterBindings } from './adapters/bindings.js';
import { Embedder, type Ranking } from './embedder.js';
import { lazyA2a } from './a2a/lazy.js';
import { defaultVerifier, PrimedVerifier } from './verifier.js';
import { primeKnownBindings } from './verified-bindings.js';
import { agentOf, checkDeclarations, groupedAnnouncer, logEvent } from './node-parts.js';
import { nodeMetrics, nodeStatus, type NodeViewParts } from './node-views.js';

export interface AgentNode {
  readonly config: NodeConfig;
  readonly profile: Profile;
  readonly core: AgentCore;
  readonly logger: Logger;
  readonly apiPort: number;
  readonly brokerUrl: string;
  status(): ReturnType<AgentCore['status']> & Record<string, unknown>;
  announce(d: Declaration): ReturnType<AgentCore['announceOnce']>;
  /** Like announce; concurrent calls share one store transaction (grouped commit), resolved after it. */
  announceGrouped(d: Declaration): Promise<ReturnType<AgentCore['announceOnce']>>;
  /** Candidates ranked by semantic match × topic trust (each with its `trust`, `gate` and `rank`). */
  discover(q: DiscoverQuery): RankedCandidate[];
  /** discover, with a text-only query ranked through the configured embedder (BM25 on its failure); says how. */
  discoverRanked(q: DiscoverQuery): Promise<{ candidates: RankedCandidate[]; ranking: Ranking }>;
  /** Appends a withdraw entry in `topic`: peers drop this agent's candidates there (those with `key`, or all). */
  withdraw(topic: string, text?: string, key?: string): ReturnType<AgentCore['announce']>;
  peers(): Array<PeerInfo & { liveness: ReturnType<AgentCore['liveness']['state']> }>;
  logs(): LogHeadInfo[];
  declarations(): OwnDeclaration[];
  verifiedTier(agentHex: string): { known: boolean; tier: number; quarantined: boolean };
  /** Checks an operator-signed revocation and publishes it on the revocation channel. */
  publishRevocation(bytes: Uint8Array): ReturnType<AgentCore['revocations']['publish']>;
  /** MG-EigenTrust: kernel and counters, and with a topic every known agent's standing there (runtime/trust.ts). */
  trust(topic?: string): ReturnType<TrustRuntime['view']>;
  /** Trust now (recompute + publish) instead of at the next trustRecomputeMs tick; returns the entries published. */
  recomputeTrust(): number;
  metrics(): MetricsSnapshot;
  /** Follows or stops following a topic at runtime (not kept across restarts: `follow` in the config is). */
  follow(topic: string, on: boolean): { followed: string[]; changed: boolean };
  onEvent(cb: (e: CoreEvent) => void): void;
  /** The task protocol and the credit ledger (src/runtime/tasks.ts). */
  readonly tasks: TaskRunner;
  close(): Promise<void>;
}

/** `floodLimits`: per-peer budgets (core/gossip/gate.ts; default the profile's flood* fields); `false` turns the gate off (a baseline for tests). */
export async function startNode(
  config: NodeConfig,
  o: { logger?: Logger; verifier?: SigVerifier; floodLimits?: FloodLimits | false } = {},
): Promise<AgentNode> {
  const started = Date.now();
  checkApiAccess(config.apiHost, config.apiToken); // before an identity is made or a broker contacted
  const profile = loadProfile(config.profile);
  checkDeclarations(config.declarations, profile); // the file was checked with the default limits; a profile may lower them
  const kernel = chooseKernel(profile.wasm);
  const verifier = new PrimedVerifier(
    o.verifier ?? defaultVerifier(kernel.kernel.endsWith('.simd') ? 'simd' : 'scalar'),
    Math.max(1024, profile.verifyBatchSize * 16),
  );
  const crypto = makeCryptoPort(verifier);
  mkdirSync(config.dataDir, { recursive: true });
  const identity = ensureIdentity(crypto, config.dataDir, Date.now());
  const store = new SqliteStore(join(config.dataDir, 'agentnet.db'), {
    synchronous: profile.sqliteSynchronous,
    cacheKiB: profile.sqliteCacheKiB,
    maxBytes: profile.storeQuotaMiB * 1024 * 1024,
  });
  const core = agentOf(crypto, store, identity, profile, config.operators);
  const logger = (o.logger ?? createLogger({ level: config.logLevel })).child({ agent: core.agentHex.slice(0, 16) });
  let broker: EmbeddedBroker | undefined;
  let brokerUrl = config.broker;
  if (!brokerUrl) {
    broker = await startEmbeddedBroker();
    brokerUrl = broker.url;
    logger.log('info', 'embedded broker started', { url: brokerUrl });
  }
  const bornAt = Date.now(); // this incarnation's birth time: the Will and every birth carry it
  // Each broker connection is a life of its own: a broker going down may publish the Will of the
  // connection it loses, so the next connection's Will and birth carry a later time (`life`), and the
  // birth republished on reconnect outranks that death (found by the broker-outage test).
  let life = bornAt;
  const transport = createTransport(brokerUrl, {
    network: config.network,
    clientId: core.agentHex.slice(0, 16),
    degree: profile.gossipDegree, // the UDP mesh's fan-out (MQTT ignores it)
    maxMessageBytes: profile.limits.messageBytes, // MQTT Maximum Packet Size, the mesh's reassembly bound
    will: { channel: 'birth', key: core.agentHex, bytes: () => core.willMessage(life), delayS: 30 },
  });
  let link: TransportState = 'down';
  let reconnects = 0;
  let republish = () => undefined as void;
  transport.onState((s) => {
    if (s === 'up' && link === 'down' && reconnects++ > 0) {
      logger.log('info', 'broker reconnected', { url: brokerUrl });
      republish();
    }
    if (s === 'down' && link === 'up') {
      logger.log('warn', 'broker link down', { url: brokerUrl });
      life = Math.max(Date.now(), life + 1); // before the reconnect builds its Will
    }
    link = s;
  });
  const listeners: Array<(e: CoreEvent) => void> = [];
  // This node's conduct record of authors (core/trust/conduct.ts): fed by the gate, read by trust; never exchanged.
  const conduct = new Conduct();
  // The node's protocol in one sans-I/O core: AgentCore and the flood gate (core/node/node-core.ts). The received
  // batches are verified with the bare verifier: the primed answers are for start-up only.
  const trustKernel = loadTrustKernel();
  if (trustKernel.reason)
    logger.log('warn', 'trust: WASM kernel unavailable, using the TypeScript reference', {
      reason: trustKernel.reason,
    });
  const node0 = new NodeCore({
    agent: core,
    verifier: verifier.inner,
    flood: o.floodLimits === false ? false : (o.floodLimits ?? floodLimitsOf(profile)),
    conduct,
    trust: { recomputeMs: profile.trustRecomputeMs, iterate: trustKernel.iterate },
  });
  let api: Api | undefined; // declared before the driver: it emits events from start()
  let tasks: TaskRunner | undefined;
  const driver = new Driver(node0, transport, store, {
    batch: 256,
    verifyBatchSize: profile.verifyBatchSize,
    verifyFlushMs: profile.verifyFlushMs,
    commitWindowMs: profile.commitWindowMs,
    probe: () => store.probeWrite(),
    // Log retention (profile logRetentionMs / pruneIntervalMs): our own logs are never pruned.
    prune: {
      intervalMs: profile.pruneIntervalMs,
      retentionMs: profile.logRetentionMs,
      keepAuthor: core.agentKey,
      onPruned: (n) => logger.log('info', 'pruned', { ...n, retentionMs: profile.logRetentionMs }),
    },
    onEvent: (e) => {
      logEvent(logger, e);
      api?.publish(e);
      for (const l of listeners) l(e);
    },
    onTaskEvent: (e) => tasks?.handleEvent(e),
    onError: (e) => logger.log('error', 'driver error', { err: e instanceof Error ? e.message : String(e) }),
  });
  const trust: TrustRuntime = trustRuntime(node0, driver, trustKernel);
  // The mesh's hint that a neighbour's node stopped answering (no Will there): keeps it out of discover().
  transport.onPeer?.((channel, key, reachable) => driver.call(() => node0.peerReachable(channel, key, reachable)));
  // Messages the transport dropped unread for their size: one `oversized` count each, as the core's own refusals.
  transport.onOversize?.((channel, _key, n) => driver.call(() => node0.droppedOversized(channel, n)));
  try {
    await transport.ready();
  } catch (e) {
    await transport.close();
    await broker?.close();
    store.close();
    throw e;
  }
  // AgentCore.start re-verifies every known agent's binding (T2), two signatures per agent, one at a time;
  // answering them ahead (from the verified-bindings cache, or verified now in WASM batches of the
  // profile's size) is what keeps start-up short with many known agents. A bad binding still fails.
  const startup = primeKnownBindings({
    db: store.db,
    bindings: store.bindings(),
    verifier,
    agentSecret: identity.agentSecret,
    limits: profile.limits,
    batchSize: profile.verifyBatchSize,
  });
  if (startup.cacheError) logger.log('warn', 'verified-bindings cache unusable', { err: startup.cacheError });
  driver.start(bornAt);
  // Work adapters (docs/adapters.md): the config's named adapters; which capability uses which is local state.
  const adapters = new Adapters(config.adapters, config.dataDir, profile.limits.bodyBytes);
  const bindings = new AdapterBindings(join(config.dataDir, 'adapters.json'));
  const embedder = config.embedder && new Embedder(config.embedder);
  /** A declaration as the core signs it (no `adapter`), its adapter bound to (topic, key) for capabilities. */
  const signable = (d: Declaration): Declaration => {
    const { adapter, ...rest } = d as Declaration & { adapter?: string };
    if (adapter !== undefined && adapter !== 'auto' && adapter !== 'manual' && !adapters.has(adapter))
      throw new FieldError(
        'adapter',
        `names no adapter of this node's config (${adapters.names().join(', ') || 'none'})`,
      );
    if (adapter !== undefined && d.kind !== 'capability')
      throw new FieldError('adapter', 'only a capability has an adapter');
    if (d.kind === 'capability') bindings.set(d.topic, d.key ?? d.tags[0] ?? '', adapter);
    return rest;
  };
  tasks = new TaskRunner({
    adapters,
    capabilityAdapter: (topic, key) => bindings.get(topic, key),
    core,
    crypto,
    agentSecret: identity.agentSecret,
    binding: identity.binding,
    store,
    driver,
    node: node0,
    logger,
    config: config.tasks,
    ratersFile: join(config.dataDir, 'task-raters.json'),
  });
  tasks.onEvent((e) => api?.publish(e)); // receipts reach trust inside the node core (core/node/node-core.ts)
  tasks.start(); // timers of tasks resumed from the store
  verifier.clear(); // answers nobody asked for (bindings the core did not re-check) are not kept
  // A restarted broker may have lost retained births, frontiers and bodies: put ours back.
  republish = () => driver.call((now) => core.republish(now, life));
  for (const t of config.follow) driver.call(() => core.follow(t));
  for (const t of tasks.list()) if (t.receipt) trust.ownReceipt(t.receipt); // settled tasks kept in the store
  for (const d0 of config.declarations) {
    const d = signable(d0);
    const r = driver.call((now) => core.announceOnce(now, d));
    logger.log('info', r.reused ? 'declaration already in log' : 'announced', {
      kind: d.kind,
      topic: d.topic,
      tags: d.tags,
      seq: r.seq,
      id: r.id,
    });
  }
  const announceGrouped = groupedAnnouncer(driver, core);
  try {
    api = await startApi(
      {
        logger,
        limits: profile.limits,
        status: () => node.status(),
        announceGrouped: (d) => node.announceGrouped(d),
        withdraw: (t, text, key) => node.withdraw(t, text, key),
        discover: (q) => node.discover(q),
        discoverRanked: (q) => node.discoverRanked(q),
        peers: () => node.peers(),
        logs: () => node.logs(),
        declarations: () => node.declarations(),
        verifiedTier: (a) => node.verifiedTier(a),
        publishRevocation: (b) => node.publishRevocation(b),
        trust: (t) => node.trust(t),
        metrics: () => node.metrics(),
        tasks: tasks!,
        follow: (t, on) => node.follow(t, on),
        followed: () => core.followedTopics(),
        a2a: lazyA2a({
          core,
          store,
          tasks: tasks!,
          agentSecret: identity.agentSecret,
          binding: identity.binding,
          limits: profile.limits,
          version: process.env['npm_package_version'] ?? '0.1.0',
          bearer: !!config.apiToken,
          defaultPrice: config.tasks.price,
          discover: (q) => node.discover(q),
        }),
      },
      { host: config.apiHost, port: config.apiPort, token: config.apiToken },
    );
  } catch (e) {
    tasks!.close();
    await driver.close();
    store.close();
    await broker?.close();
    throw e;
  }
  const views = (): NodeViewParts => ({
    config,
    profile,
    kernel,
    core,
    node: node0,
    verifier,
    driver,
    transport,
    trust,
    tasks: tasks!,
    adapters,
    embedder: embedder || undefined,
    brokerUrl,
    started,
    link: { state: link, reconnects: Math.max(0, reconnects - 1) },
  });
  const node: AgentNode = {
    config,
    profile,
    core,
    logger,
    apiPort: api.port,
    brokerUrl,
    status: () => nodeStatus(views()),
    announce: (d) => driver.call((now) => core.announceOnce(now, signable(d))),
    announceGrouped: (d) => announceGrouped(signable(d)),
    // Semantic candidates (a wide set), re-ranked by semantic match × topic trust, then cut to the limit.
    discover: (q) => trust.rank(core.discover({ ...q, limit: 500 }), q.minTrust).slice(0, q.limit ?? 50),
    discoverRanked: async (q) => {
      if (!embedder || q.tags.length > 0 || !q.text)
        return { candidates: node.discover(q), ranking: { method: q.tags.length > 0 ? 'tags' : 'bm25' } };
      const r = await embedder.rank(q.text, core.discover({ ...q, limit: 500, keepUnmatched: true }));
      return { candidates: trust.rank(r.candidates, q.minTrust).slice(0, q.limit ?? 50), ranking: r.ranking };
    },
    // Not announceOnce: withdrawing twice (after a re-announce) must append twice.
    withdraw: (topic, text = '', key) =>
      driver.call((now) =>
        core.announce(now, { kind: 'withdraw', topic, tags: [], text, ...(key !== undefined ? { key } : {}) }),
      ),
    // "last seen" is liveness (births, Wills, the transport's hints: core/gossip/liveness.ts), next to the last message.
    peers: () => core.peers(Date.now()).map((p) => ({ ...p, liveness: core.liveness.state(p.agent) })),
    logs: () => core.logHeads(),
    declarations: () => core.declarations(Date.now()),
    publishRevocation: (b) => driver.call((now) => node0.publishRevocation(now, b)),
    verifiedTier: (a) => ({
      known: !!core.verifier.bindingOf(a),
      tier: core.verifier.tierOf(a, Date.now()),
      quarantined: core.verifier.isQuarantined(a),
    }),
    trust: (topic) => trust.view(topic),
    recomputeTrust: () => trust.recompute(),
    metrics: () => nodeMetrics(views()),
    onEvent: (cb) => listeners.push(cb),
    follow: (topic, on) => {
      // A topic of one of our live intents stays followed: its discoveries depend on it.
      if (!on && core.declarations(Date.now()).some((d) => d.kind === 'intent' && d.topic === topic))
        throw new TaskConflictError(`an intent of this agent is live in ${topic}: withdraw it first`);
      const was = core.followedTopics().includes(topic);
      if (on !== was) driver.call(() => (on ? core.follow(topic) : core.unfollow(topic)));
      return { followed: core.followedTopics(), changed: on !== was };
    },
    tasks: tasks!,
    async close() {
      await api!.close();
      tasks!.close();
      await driver.close();
      store.close();
      await broker?.close();
      logger.log('info', 'stopped');
    },
  };
  logger.log('info', 'ready', {
    agentKey: core.agentHex,
    api: apiUrl(config.apiHost, api.port),
    network: config.network,
    broker: brokerUrl,
    profile: profile.name,
    verifier: verifier.name,
    wasmSimd: kernel.simdSupported,
    kernel: kernel.kernel,
    knownBindings: startup.known,
    bindingsFromCache: startup.cached,
    signaturesVerified: startup.verified,
    startupMs: Date.now() - started,
  });
  return node;
}
