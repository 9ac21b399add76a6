// AgentNode: one long-running node (DESIGN §9) assembled from a config: profile, SQLite store in the
// data directory, identity, verifier, transport (embedded broker when none is configured), core,
// driver and local API. `close()` is graceful: the driver drains what it accepted, the store closes
// cleanly (WAL checkpoint), the broker connection ends.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentCore } from '../core/agent.js';
import { decodeBinding } from '../core/codec/binding.js';
import type { SigVerifier } from '../core/ports.js';
import type { CoreEvent, Declaration, DiscoverQuery, LogHeadInfo, OwnDeclaration, PeerInfo } from '../core/types.js';
import { startApi, type Api } from './api/server.js';
import type { MetricsSnapshot } from './api/metrics.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import type { NodeConfig } from './config.js';
import { makeCryptoPort } from './crypto-port.js';
import { Driver } from './driver.js';
import { ensureIdentity } from './identity.js';
import { createLogger, type Logger } from './logger.js';
import { loadProfile, type Profile } from './profile.js';
import { SqliteStore } from './store/sqlite.js';
import { createTransport } from './transport/index.js';
import type { TransportState } from './transport/types.js';
import { chooseKernel } from './wasm/simd.js';
import { defaultVerifier, PrimedVerifier, verifierFallbackReason } from './verifier.js';

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
  discover(q: DiscoverQuery): ReturnType<AgentCore['discover']>;
  /** Appends a withdraw entry in `topic`: peers drop this agent's candidates there. */
  withdraw(topic: string, text?: string): ReturnType<AgentCore['announce']>;
  peers(): PeerInfo[];
  logs(): LogHeadInfo[];
  declarations(): OwnDeclaration[];
  verifiedTier(agentHex: string): { known: boolean; tier: number; quarantined: boolean };
  metrics(): MetricsSnapshot;
  onEvent(cb: (e: CoreEvent) => void): void;
  close(): Promise<void>;
}

export async function startNode(config: NodeConfig, o: { logger?: Logger; verifier?: SigVerifier } = {}): Promise<AgentNode> {
  const started = Date.now();
  const profile = loadProfile(config.profile);
  const kernel = chooseKernel(profile.wasm);
  const verifier = new PrimedVerifier(o.verifier ?? defaultVerifier(), Math.max(1024, profile.verifyBatchSize * 16));
  const crypto = makeCryptoPort(verifier);
  mkdirSync(config.dataDir, { recursive: true });
  const identity = ensureIdentity(crypto, config.dataDir, Date.now());
  const store = new SqliteStore(join(config.dataDir, 'agentnet.db'), { synchronous: profile.sqliteSynchronous, cacheKiB: profile.sqliteCacheKiB, maxBytes: profile.storeQuotaMiB * 1024 * 1024 });
  const core = new AgentCore({
    crypto,
    store,
    agentSecret: identity.agentSecret,
    binding: identity.binding,
    limits: profile.limits,
    t0CacheSize: profile.t0CacheSize,
    pullTimeoutMs: profile.pullTimeoutMs,
    ...(config.operators.length ? { operators: new Set(config.operators) } : {}),
  });
  const logger = (o.logger ?? createLogger({ level: config.logLevel })).child({ agent: core.agentHex.slice(0, 16) });
  let broker: EmbeddedBroker | undefined;
  let brokerUrl = config.broker;
  if (!brokerUrl) {
    broker = await startEmbeddedBroker();
    brokerUrl = broker.url;
    logger.log('info', 'embedded broker started', { url: brokerUrl });
  }
  const bornAt = Date.now(); // this incarnation's birth time: the Will and every birth carry it
  const transport = createTransport(brokerUrl, { network: config.network, clientId: core.agentHex.slice(0, 16), will: { channel: 'birth', key: core.agentHex, bytes: core.willMessage(bornAt), delayS: 30 } });
  let link: TransportState = 'down';
  let reconnects = 0;
  let republish = () => undefined as void;
  transport.onState((s) => {
    if (s === 'up' && link === 'down' && reconnects++ > 0) {
      logger.log('info', 'broker reconnected', { url: brokerUrl });
      republish();
    }
    if (s === 'down' && link === 'up') logger.log('warn', 'broker link down', { url: brokerUrl });
    link = s;
  });
  const listeners: Array<(e: CoreEvent) => void> = [];
  let api: Api | undefined; // declared before the driver: it emits events from start()
  const driver = new Driver(core, transport, store, {
    batch: 256,
    primer: verifier,
    verifyBatchSize: profile.verifyBatchSize,
    verifyFlushMs: profile.verifyFlushMs,
    onEvent: (e) => {
      if (e.type === 'discovered') logger.log('info', 'discovered', { ...e });
      else if (e.type === 'rejected') logger.log('debug', 'rejected', { ...e });
      else if (e.type === 'fork') logger.log('warn', 'fork proof', { ...e });
      api?.publish(e);
      for (const l of listeners) l(e);
    },
    onError: (e) => logger.log('error', 'driver error', { err: e instanceof Error ? e.message : String(e) }),
  });
  try {
    await transport.ready();
  } catch (e) {
    await transport.close();
    await broker?.close();
    store.close();
    throw e;
  }
  // AgentCore.start re-verifies every known agent's binding (T2), two signatures per agent, as tiny
  // batches of two; verifying them all first in batches of the profile's size is what keeps start-up
  // short with many known agents. The answers are the kernel's either way; a bad binding still fails.
  const known = store.bindings().flatMap((bytes) => {
    try {
      return decodeBinding(bytes, profile.limits).signers.map((x) => ({ pub: x.kid, msg: x.toBeSigned, sig: x.signature }));
    } catch {
      return []; // malformed: the core reports it when it decodes the binding itself
    }
  });
  for (let i = 0; i < known.length; i += profile.verifyBatchSize) verifier.prime(known.slice(i, i + profile.verifyBatchSize), true);
  driver.start(bornAt);
  verifier.clear(); // answers nobody asked for (bindings the core did not re-check) are not kept
  // A restarted broker may have lost retained births, frontiers and bodies: put ours back.
  republish = () => driver.call((now) => core.republish(now));
  for (const t of config.follow) driver.call(() => core.follow(t));
  for (const d of config.declarations) {
    const r = driver.call((now) => core.announceOnce(now, d));
    logger.log('info', r.reused ? 'declaration already in log' : 'announced', { kind: d.kind, topic: d.topic, tags: d.tags, seq: r.seq, id: r.id });
  }
  type Ann = ReturnType<AgentCore['announceOnce']>;
  const waiting: Array<{ d: Declaration; resolve: (r: Ann) => void; reject: (e: unknown) => void }> = [];
  const flushAnnounces = () => {
    const batch = waiting.splice(0);
    try {
      // A misuse error (bad tag, oversized body) fails only its own call: it throws before any write.
      const rs = driver.callGrouped(
        batch.map((w) => (now: number) => {
          try {
            return { ok: true as const, r: core.announceOnce(now, w.d) };
          } catch (e) {
            if (e instanceof TypeError || e instanceof RangeError) return { ok: false as const, e };
            throw e;
          }
        }),
      );
      batch.forEach((w, i) => {
        const x = rs[i]!;
        if (x.ok) w.resolve(x.r);
        else w.reject(x.e);
      });
    } catch (e) {
      // The whole group rolled back: each caller learns it (a bad declaration throws before anything is written).
      for (const w of batch) w.reject(e);
    }
  };
  try {
    api = await startApi(
      {
        logger,
        status: () => node.status(),
        announceGrouped: (d) => node.announceGrouped(d),
        withdraw: (t, text) => node.withdraw(t, text),
        discover: (q) => node.discover(q),
        peers: () => node.peers(),
        logs: () => node.logs(),
        declarations: () => node.declarations(),
        verifiedTier: (a) => node.verifiedTier(a),
        metrics: () => node.metrics(),
      },
      { host: config.apiHost, port: config.apiPort, token: config.apiToken },
    );
  } catch (e) {
    await driver.close();
    store.close();
    await broker?.close();
    throw e;
  }
  const node: AgentNode = {
    config,
    profile,
    core,
    logger,
    apiPort: api.port,
    brokerUrl,
    status: () => ({
      ...core.status(),
      profile: profile.name,
      wasm: { simd: kernel.simdSupported, kernel: kernel.kernel, reason: kernel.reason },
      network: config.network,
      verifier: { name: verifier.name, batches: verifier.batches, primed: verifier.primed, hits: verifier.hits, ...(verifierFallbackReason() ? { fallback: verifierFallbackReason() } : {}) },
      link: { broker: brokerUrl, state: link, reconnects: Math.max(0, reconnects - 1), ...(transport.stats ? { transport: transport.stats() } : {}) },
      storeError: driver.storeError?.code ?? null,
      uptimeMs: Date.now() - started,
    }),
    announce: (d) => driver.call((now) => core.announceOnce(now, d)),
    announceGrouped: (d) =>
      new Promise<Ann>((resolve, reject) => {
        waiting.push({ d, resolve, reject });
        if (waiting.length === 1) setImmediate(flushAnnounces);
      }),
    discover: (q) => core.discover(q),
    // Not announceOnce: withdrawing twice (after a re-announce) must append twice.
    withdraw: (topic, text = '') => driver.call((now) => core.announce(now, { kind: 'withdraw', topic, tags: [], text })),
    peers: () => core.peers(Date.now()),
    logs: () => core.logHeads(),
    declarations: () => core.declarations(Date.now()),
    verifiedTier: (a) => ({ known: !!core.verifier.bindingOf(a), tier: core.verifier.tierOf(a, Date.now()), quarantined: core.verifier.isQuarantined(a) }),
    metrics: () => {
      const s = core.status();
      return {
        verified: s.verified as unknown as Record<string, number>,
        rejected: core.counters.rejected(true),
        bytes: s.bytes,
        pulls: s.pulls,
        gapRepairs: s.gapRepairs,
        discoveries: s.discoveries,
        queues: { ...s.pending, driver: driver.queueDepth },
        knownAgents: s.knownAgents,
        entries: s.entries,
        link: { state: link, reconnects: Math.max(0, reconnects - 1) },
        verifierBatches: verifier.batches,
        uptimeMs: Date.now() - started,
      };
    },
    onEvent: (cb) => listeners.push(cb),
    async close() {
      await api!.close();
      await driver.close();
      store.close();
      await broker?.close();
      logger.log('info', 'stopped');
    },
  };
  logger.log('info', 'ready', { agentKey: core.agentHex, api: `http://${config.apiHost}:${api.port}`, network: config.network, broker: brokerUrl, profile: profile.name, verifier: verifier.name, wasmSimd: kernel.simdSupported, kernel: kernel.kernel, startupMs: Date.now() - started });
  return node;
}
