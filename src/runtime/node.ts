// AgentNode: one long-running node (DESIGN §9) assembled from a config: profile, SQLite store in the
// data directory, identity, verifier, transport (embedded broker when none is configured), core,
// driver and local API. `close()` is graceful: the driver drains what it accepted, the store closes
// cleanly (WAL checkpoint), the broker connection ends.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentCore } from '../core/agent.js';
import { decodeBinding } from '../core/codec/binding.js';
import type { SigVerifier } from '../core/ports.js';
import type { CoreEvent, Declaration, DiscoverQuery } from '../core/types.js';
import { startApi } from './api.js';
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
  discover(q: DiscoverQuery): ReturnType<AgentCore['discover']>;
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
  const transport = createTransport(brokerUrl, { network: config.network, clientId: core.agentHex.slice(0, 16) });
  let link: TransportState = 'down';
  let reconnects = 0;
  transport.onState((s) => {
    if (s === 'up' && link === 'down' && reconnects++ > 0) logger.log('info', 'broker reconnected', { url: brokerUrl });
    if (s === 'down' && link === 'up') logger.log('warn', 'broker link down', { url: brokerUrl });
    link = s;
  });
  const listeners: Array<(e: CoreEvent) => void> = [];
  const driver = new Driver(core, transport, store, {
    batch: 256,
    primer: verifier,
    verifyBatchSize: profile.verifyBatchSize,
    verifyFlushMs: profile.verifyFlushMs,
    onEvent: (e) => {
      if (e.type === 'discovered') logger.log('info', 'discovered', { ...e });
      else if (e.type === 'rejected') logger.log('debug', 'rejected', { ...e });
      else if (e.type === 'fork') logger.log('warn', 'fork proof', { ...e });
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
  driver.start();
  verifier.clear(); // answers nobody asked for (bindings the core did not re-check) are not kept
  for (const t of config.follow) driver.call(() => core.follow(t));
  for (const d of config.declarations) {
    const r = driver.call((now) => core.announceOnce(now, d));
    logger.log('info', r.reused ? 'declaration already in log' : 'announced', { kind: d.kind, topic: d.topic, tags: d.tags, seq: r.seq, id: r.id });
  }
  const api = await startApi(
    { logger, status: () => node.status(), announce: (d) => node.announce(d), discover: (q) => node.discover(q) },
    config.apiHost,
    config.apiPort,
  );
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
      link: { broker: brokerUrl, state: link, reconnects: Math.max(0, reconnects - 1) },
      storeError: driver.storeError?.code ?? null,
      uptimeMs: Date.now() - started,
    }),
    announce: (d) => driver.call((now) => core.announceOnce(now, d)),
    discover: (q) => core.discover(q),
    onEvent: (cb) => listeners.push(cb),
    async close() {
      await api.close();
      await driver.close();
      store.close();
      await broker?.close();
      logger.log('info', 'stopped');
    },
  };
  logger.log('info', 'ready', { agentKey: core.agentHex, api: `http://${config.apiHost}:${api.port}`, network: config.network, broker: brokerUrl, profile: profile.name, verifier: verifier.name, wasmSimd: kernel.simdSupported, kernel: kernel.kernel, startupMs: Date.now() - started });
  return node;
}
