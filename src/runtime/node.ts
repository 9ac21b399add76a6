// AgentNode: one long-running node (docs/architecture.md §9) assembled from a config, in this order: the data
// directory's identity, SQLite store and agent core (node-parts.ts openBase); the broker and transport
// (node-link.ts); the NodeCore and its Driver (nodeCoreOf); start-up (startCore); adapters and tasks (startWork);
// follows and declarations (joinNetwork); the node's methods and the local API (nodeMethods, serveApi). Assembly
// only: protocol decisions are the node core's. `close()` is graceful: the driver drains what it accepted, the store
// closes cleanly (WAL checkpoint), the broker connection ends.

import { join } from 'node:path';
import type { AgentCore } from '../core/agent.js';
import { TaskConflictError } from '../core/task/engine.js';
import type { SigVerifier } from '../core/base/ports.js';
import type { CoreEvent, Declaration, DiscoverQuery, LogHeadInfo, OwnDeclaration, PeerInfo } from '../core/types.js';
import { apiUrl, checkApiAccess, startApi, type Api } from './api/server.js';
import type { MetricsSnapshot } from './api/metrics.js';
import type { NodeConfig } from './config.js';
import { Driver } from './driver.js';
import { Conduct } from '../core/trust/conduct.js';
import { floodLimitsOf, type FloodLimits } from '../core/gossip/gate.js';
import { NodeCore } from '../core/node/node-core.js';
import { createLogger, type Logger } from './logger.js';
import { loadProfile, type Profile } from './profile.js';
import type { RankedCandidate } from '../core/trust/node-trust.js';
import { loadTrustKernel, trustRuntime, type TrustRuntime } from './trust.js';
import { TaskRunner } from './tasks.js';
import { Adapters } from './adapters/index.js';
import { AdapterBindings } from './adapters/bindings.js';
import { Embedder, type Ranking } from './embedder.js';
import { lazyA2a } from './a2a/lazy.js';
import { checkDeclarations, groupedAnnouncer, logEvent, openBase, signableFor, type NodeBase } from './node-parts.js';
import { openLink, type NodeLink } from './node-link.js';
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
  peers(): Array<PeerInfo & { liveness: ReturnType<NodeCore['livenessOf']> }>;
  logs(): LogHeadInfo[];
  declarations(): OwnDeclaration[];
  verifiedTier(agentHex: string): { known: boolean; tier: number; quarantined: boolean };
  /** Checks an operator-signed revocation and publishes it on the revocation channel. */
  publishRevocation(bytes: Uint8Array): ReturnType<NodeCore['publishRevocation']>;
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

/** Where the node's events go: the log, the API's event stream and the listeners; task events to the task runner. */
class Outlets {
  api: Api | undefined; // set once the API listens; the driver emits events from start()
  tasks: TaskRunner | undefined;
  readonly listeners: Array<(e: CoreEvent) => void> = [];
  constructor(private readonly logger: Logger) {}
  event(e: CoreEvent): void {
    logEvent(this.logger, e);
    this.api?.publish(e);
    for (const l of this.listeners) l(e);
  }
}

/** The assembled parts of a running node. */
interface Parts {
  readonly config: NodeConfig;
  readonly profile: Profile;
  readonly base: NodeBase;
  readonly logger: Logger;
  readonly link: NodeLink;
  readonly node: NodeCore;
  readonly driver: Driver;
  readonly trust: TrustRuntime;
  readonly work: Work;
  readonly out: Outlets;
  /** Date.now() when startNode was called. */
  readonly started: number;
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
  const base = openBase(config, profile, o.verifier);
  const logger = (o.logger ?? createLogger({ level: config.logLevel })).child({
    agent: base.core.agentHex.slice(0, 16),
  });
  const link = await openLink(config, profile, base.core, logger);
  const out = new Outlets(logger);
  const { node, driver, trust } = nodeCoreOf(base, link, profile, logger, out, o.floodLimits);
  try {
    await link.transport.ready();
  } catch (e) {
    await link.transport.close();
    await link.closeBroker();
    base.store.close();
    throw e;
  }
  const startup = startCore(base, driver, link.bornAt, logger);
  const work = startWork({ config, profile, base, node, driver, logger, out });
  base.verifier.clear(); // answers nobody asked for (bindings the core did not re-check) are not kept
  const p: Parts = { config, profile, base, logger, link, node, driver, trust, work, out, started };
  joinNetwork(p);
  const self = nodeMethods(p);
  const api = await serveApi(p, self);
  out.api = api;
  logger.log('info', 'ready', {
    agentKey: base.core.agentHex,
    api: apiUrl(config.apiHost, api.port),
    network: config.network,
    broker: link.brokerUrl,
    profile: profile.name,
    verifier: base.verifier.name,
    wasmSimd: base.kernel.simdSupported,
    kernel: base.kernel.kernel,
    bindingsLoaded: startup.loaded,
    bindingsFromCache: startup.cached,
    signaturesVerified: startup.verified,
    startupMs: Date.now() - started,
  });
  return { ...self, apiPort: api.port, close: () => closeNode(p, api) };
}

/**
 * The node's protocol in one sans-I/O core (core/node/node-core.ts: the agent core, the flood gate, trust, tasks)
 * and the driver that moves its bytes, time and store transactions. The received batches are verified with the
 * bare verifier: the primed answers are for start-up only.
 */
function nodeCoreOf(
  b: NodeBase,
  link: NodeLink,
  profile: Profile,
  logger: Logger,
  out: Outlets,
  flood: FloodLimits | false | undefined,
): { node: NodeCore; driver: Driver; trust: TrustRuntime } {
  // This node's conduct record of authors (core/trust/conduct.ts): fed by the gate, read by trust; never exchanged.
  const conduct = new Conduct();
  const trustKernel = loadTrustKernel();
  if (trustKernel.reason)
    logger.log('warn', 'trust: WASM kernel unavailable, using the TypeScript reference', {
      reason: trustKernel.reason,
    });
  const node = new NodeCore({
    agent: b.core,
    verifier: b.verifier.inner,
    flood: flood === false ? false : (flood ?? floodLimitsOf(profile)),
    conduct,
    trust: { recomputeMs: profile.trustRecomputeMs, iterate: trustKernel.iterate },
  });
  const driver = new Driver(node, link.transport, b.store, {
    batch: 256,
    verifyBatchSize: profile.verifyBatchSize,
    verifyFlushMs: profile.verifyFlushMs,
    commitWindowMs: profile.commitWindowMs,
    probe: () => b.store.probeWrite(),
    // Log retention (profile logRetentionMs / pruneIntervalMs): our own logs are never pruned.
    prune: {
      intervalMs: profile.pruneIntervalMs,
      retentionMs: profile.logRetentionMs,
      keepAuthor: b.core.agentKey,
      onPruned: (n) => logger.log('info', 'pruned', { ...n, retentionMs: profile.logRetentionMs }),
    },
    onEvent: (e) => out.event(e),
    onTaskEvent: (e) => out.tasks?.handleEvent(e),
    onError: (e) => logger.log('error', 'driver error', { err: e instanceof Error ? e.message : String(e) }),
  });
  const trust = trustRuntime(node, driver, trustKernel);
  // The mesh's hint that a neighbour's node stopped answering (no Will there): keeps it out of discover().
  link.transport.onPeer?.((channel, key, reachable) => driver.call(() => node.peerReachable(channel, key, reachable)));
  // Messages the transport dropped unread for their size: one `oversized` count each, as the core's own refusals.
  link.transport.onOversize?.((channel, _key, n) => driver.call(() => node.droppedOversized(channel, n)));
  return { node, driver, trust };
}

/**
 * Starts the core. Known agents' bindings stay in the store: the core loads and verifies each when it first needs it
 * (identity/tiers.ts), through the verified-bindings cache (base.bindings); at start it reads only the versions after
 * the first (few). What start-up verified is reported.
 */
function startCore(b: NodeBase, driver: Driver, bornAt: number, logger: Logger) {
  if (b.bindings.cacheError) logger.log('warn', 'verified-bindings cache unusable', { err: b.bindings.cacheError });
  driver.start(bornAt);
  return { loaded: b.core.verifier.cache.loaded, ...b.bindings.stats };
}

/** The node's work: adapters (docs/adapters.md), the embedder of free-text discovery, the task runner. */
interface Work {
  readonly adapters: Adapters;
  readonly embedder: Embedder | undefined;
  readonly tasks: TaskRunner;
  /** A declaration as the core signs it, its adapter bound (node-parts.ts signableFor). */
  readonly signable: (d: Declaration) => Declaration;
}

function startWork(p: Pick<Parts, 'config' | 'profile' | 'base' | 'node' | 'driver' | 'logger' | 'out'>): Work {
  const { config, base: b } = p;
  // The config's named adapters; which capability uses which is local state.
  const adapters = new Adapters(config.adapters, config.dataDir, p.profile.limits.bodyBytes);
  const bindings = new AdapterBindings(join(config.dataDir, 'adapters.json'));
  const tasks = new TaskRunner({
    adapters,
    capabilityAdapter: (topic, key) => bindings.get(topic, key),
    core: b.core,
    crypto: b.crypto,
    agentSecret: b.identity.agentSecret,
    binding: b.identity.binding,
    store: b.store,
    driver: p.driver,
    node: p.node,
    logger: p.logger,
    config: config.tasks,
    ratersFile: join(config.dataDir, 'task-raters.json'),
  });
  p.out.tasks = tasks;
  tasks.onEvent((e) => p.out.api?.publish(e)); // receipts reach trust inside the node core (core/node/node-core.ts)
  tasks.start(); // timers of tasks resumed from the store
  const embedder = config.embedder ? new Embedder(config.embedder) : undefined;
  return { adapters, embedder, tasks, signable: signableFor(adapters, bindings) };
}

/** Republish on reconnect, the followed topics, trust's own receipts and the config's declarations. */
function joinNetwork(p: Parts): void {
  const { core } = p.base;
  const { driver, link, work } = p;
  // A restarted broker may have lost retained births, frontiers and bodies: put ours back.
  link.onReconnect(() => driver.call((now) => core.republish(now, link.life())));
  for (const t of p.config.follow) driver.call(() => core.follow(t));
  for (const t of work.tasks.list()) if (t.receipt) p.trust.ownReceipt(t.receipt); // settled tasks kept in the store
  for (const d0 of p.config.declarations) {
    const d = work.signable(d0);
    const r = driver.call((now) => core.announceOnce(now, d));
    p.logger.log('info', r.reused ? 'declaration already in log' : 'announced', {
      kind: d.kind,
      topic: d.topic,
      tags: d.tags,
      seq: r.seq,
      id: r.id,
    });
  }
}

type NodeMethods = Omit<AgentNode, 'apiPort' | 'close'>;

/** What an AgentNode does, on its parts: every write through the driver, every read from the cores. */
function nodeMethods(p: Parts): NodeMethods {
  const { config, profile, logger, driver, node, trust, work } = p;
  const { core } = p.base;
  const { tasks, embedder, signable } = work;
  const announceGrouped = groupedAnnouncer(driver, core);
  // Semantic candidates (a wide set), re-ranked by semantic match × topic trust, then cut to the limit.
  const discover = (q: DiscoverQuery) =>
    trust.rank(core.discover({ ...q, limit: 500 }), q.minTrust).slice(0, q.limit ?? 50);
  return {
    config,
    profile,
    core,
    logger,
    brokerUrl: p.link.brokerUrl,
    tasks,
    status: () => nodeStatus(viewsOf(p)),
    metrics: () => nodeMetrics(viewsOf(p)),
    announce: (d) => driver.call((now) => core.announceOnce(now, signable(d))),
    announceGrouped: (d) => announceGrouped(signable(d)),
    discover,
    discoverRanked: async (q) => {
      if (!embedder || q.tags.length > 0 || !q.text)
        return { candidates: discover(q), ranking: { method: q.tags.length > 0 ? 'tags' : 'bm25' } };
      const r = await embedder.rank(q.text, core.discover({ ...q, limit: 500, keepUnmatched: true }));
      return { candidates: trust.rank(r.candidates, q.minTrust).slice(0, q.limit ?? 50), ranking: r.ranking };
    },
    // Not announceOnce: withdrawing twice (after a re-announce) must append twice.
    withdraw: (topic, text = '', key) =>
      driver.call((now) =>
        core.announce(now, { kind: 'withdraw', topic, tags: [], text, ...(key !== undefined ? { key } : {}) }),
      ),
    // "last seen" is liveness (births, Wills, the transport's hints: core/gossip/liveness.ts), next to the last message.
    peers: () => core.peers(Date.now()).map((x) => ({ ...x, liveness: node.livenessOf(x.agent) })),
    logs: () => core.logHeads(),
    declarations: () => core.declarations(Date.now()),
    publishRevocation: (b) => driver.call((now) => node.publishRevocation(now, b)),
    verifiedTier: (a) => node.identityOf(a, Date.now()),
    trust: (topic) => trust.view(topic),
    recomputeTrust: () => trust.recompute(),
    onEvent: (cb) => p.out.listeners.push(cb),
    follow: (topic, on) => {
      // A topic of one of our live intents stays followed: its discoveries depend on it.
      if (!on && core.declarations(Date.now()).some((d) => d.kind === 'intent' && d.topic === topic))
        throw new TaskConflictError(`an intent of this agent is live in ${topic}: withdraw it first`);
      const was = core.followedTopics().includes(topic);
      if (on !== was) driver.call(() => (on ? core.follow(topic) : core.unfollow(topic)));
      return { followed: core.followedTopics(), changed: on !== was };
    },
  };
}

/** The parts the status and metrics views read (node-views.ts). */
function viewsOf(p: Parts): NodeViewParts {
  const { base, work } = p;
  return {
    config: p.config,
    profile: p.profile,
    kernel: base.kernel,
    core: base.core,
    node: p.node,
    verifier: base.verifier,
    driver: p.driver,
    transport: p.link.transport,
    trust: p.trust,
    tasks: work.tasks,
    adapters: work.adapters,
    embedder: work.embedder,
    brokerUrl: p.link.brokerUrl,
    started: p.started,
    link: p.link.state(),
  };
}

/** The local API on the node's methods; if it cannot listen, what was started is closed again. */
async function serveApi(p: Parts, self: NodeMethods): Promise<Api> {
  const { config, profile, base } = p;
  try {
    return await startApi(
      {
        ...self,
        limits: profile.limits,
        followed: () => base.core.followedTopics(),
        a2a: lazyA2a({
          core: base.core,
          bindingOf: (a) => p.node.bindingOf(a),
          store: base.store,
          tasks: p.work.tasks,
          agentSecret: base.identity.agentSecret,
          binding: base.identity.binding,
          limits: profile.limits,
          version: process.env['npm_package_version'] ?? '0.1.0',
          bearer: !!config.apiToken,
          defaultPrice: config.tasks.price,
          discover: self.discover,
        }),
      },
      { host: config.apiHost, port: config.apiPort, token: config.apiToken },
    );
  } catch (e) {
    p.work.tasks.close();
    await p.driver.close();
    base.store.close();
    await p.link.closeBroker();
    throw e;
  }
}

/** Graceful: the API stops, the driver drains what it accepted, the store closes cleanly, the broker ends. */
async function closeNode(p: Parts, api: Api): Promise<void> {
  await api.close();
  p.work.tasks.close();
  await p.driver.close();
  p.base.store.close();
  await p.link.closeBroker();
  p.logger.log('info', 'stopped');
}
