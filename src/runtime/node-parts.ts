// Parts of a node's assembly (src/runtime/node.ts, docs/architecture.md §9): the store, identity and agent core
// from the profile, declarations with their adapters, the log lines of core events, grouped announces, the
// process' memory. Assembly only: no protocol decision is made here.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentCore } from '../core/agent.js';
import { ANNOUNCE, validate } from '../core/api/requests.js';
import { FieldError } from '../core/codec/schema.js';
import { ERR } from './errors.js';
import type { CryptoPort, SigVerifier } from '../core/base/ports.js';
import type { LogStore } from '../core/log/store.js';
import type { CoreEvent, Declaration } from '../core/types.js';
import type { Adapters } from './adapters/index.js';
import type { AdapterBindings } from './adapters/bindings.js';
import type { NodeConfig } from './config.js';
import { makeCryptoPort } from './crypto-port.js';
import type { Driver } from './driver.js';
import { ensureIdentity } from './identity.js';
import type { Logger } from './logger.js';
import type { Profile } from './profile.js';
import { SqliteStore } from './store/sqlite.js';
import { VerifiedBindings } from './verified-bindings.js';
import { defaultVerifier, PrimedVerifier } from './verifier.js';
import { chooseKernel } from './wasm/simd.js';

/** What a node stands on: the WASM kernel, the verifier and crypto port, its identity, its store and agent core. */
export interface NodeBase {
  readonly kernel: ReturnType<typeof chooseKernel>;
  /** Answers start-up's binding checks from batches (runtime/verifier.ts); `inner` is the bare verifier. */
  readonly verifier: PrimedVerifier;
  readonly crypto: CryptoPort;
  readonly identity: ReturnType<typeof ensureIdentity>;
  readonly store: SqliteStore;
  readonly core: AgentCore;
  /** The verified-bindings cache the core's on-demand binding loads go through. */
  readonly bindings: VerifiedBindings;
}

/** Opens the data directory: the identity (made on first start) and the SQLite store, then the agent core. */
export function openBase(config: NodeConfig, profile: Profile, verifier?: SigVerifier): NodeBase {
  const kernel = chooseKernel(profile.wasm);
  const primed = new PrimedVerifier(
    verifier ?? defaultVerifier(kernel.kernel.endsWith('.simd') ? 'simd' : 'scalar'),
    Math.max(1024, profile.verifyBatchSize * 16),
  );
  const crypto = makeCryptoPort(primed);
  mkdirSync(config.dataDir, { recursive: true });
  const identity = ensureIdentity(crypto, config.dataDir, Date.now());
  const store = new SqliteStore(join(config.dataDir, 'agentnet.db'), {
    synchronous: profile.sqliteSynchronous,
    cacheKiB: profile.sqliteCacheKiB,
    maxBytes: profile.storeQuotaMiB * 1024 * 1024,
  });
  const bindings = new VerifiedBindings({
    db: store.db,
    verifier: primed,
    agentSecret: identity.agentSecret,
    limits: profile.limits,
  });
  const core = agentOf(crypto, store, identity, profile, config.operators, (b) => bindings.vouch(b));
  return { kernel, verifier: primed, crypto, identity, store, core, bindings };
}

/**
 * A declaration as the core signs it (without `adapter`); a capability's adapter is bound to its (topic, key) in
 * this node's local state. An adapter the config does not name is a FieldError.
 */
export function signableFor(adapters: Adapters, bindings: AdapterBindings): (d: Declaration) => Declaration {
  return (d) => {
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
}

/** process.memoryUsage() in bytes: V8 heap in use / allocated, external (native objects held by JS), ArrayBuffers. */
export function memoryNow(): {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
} {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}

/** The config's declarations against the profile's limits (a CONFIG_INVALID naming the field). */
export function checkDeclarations(ds: readonly Declaration[], profile: Profile): void {
  ds.forEach((d, i) => {
    try {
      validate(ANNOUNCE, d, profile.limits, `declarations[${i}].`);
    } catch (e) {
      if (e instanceof FieldError)
        throw ERR.configInvalid(`declarations: "${e.field}" ${e.detail} (limits of profile ${profile.name})`);
      throw e;
    }
  });
}

/** The agent core of a node: its identity and the profile's limits, caches, timeouts and heartbeat. */
export function agentOf(
  crypto: CryptoPort,
  store: LogStore,
  identity: ReturnType<typeof ensureIdentity>,
  profile: Profile,
  operators: readonly string[],
  /** Answers a stored binding's signatures ahead of its check (verified-bindings.ts). */
  vouch?: (bytes: Uint8Array) => void,
): AgentCore {
  return new AgentCore({
    crypto,
    store,
    agentSecret: identity.agentSecret,
    binding: identity.binding,
    limits: profile.limits,
    t0CacheSize: profile.t0CacheSize,
    bindingCacheSize: profile.bindingCacheSize,
    ...(vouch ? { vouchBinding: vouch } : {}),
    pullTimeoutMs: profile.pullTimeoutMs,
    // Heartbeat (core/gossip/heartbeat.ts): changed frontiers go out again for 2 rounds; every 60 rounds the retained
    // heads of followed topics are re-read (full anti-entropy for heads lost more often than that).
    heartbeatMs: profile.heartbeatMs,
    resyncEvery: Math.max(1, Math.round(60_000 / profile.heartbeatMs)),
    // A stream of announces publishes its log's frontier once per heartbeat, not once per entry (own-log.ts).
    frontierEveryMs: profile.heartbeatMs,
    epoch: identity.epoch,
    ...(identity.continuation ? { continuation: identity.continuation } : {}),
    ...(operators.length ? { operators: new Set(operators) } : {}),
  });
}

/** The log line of a core event (the API stream and listeners get every event; the log the notable ones). */
export function logEvent(logger: Logger, e: CoreEvent): void {
  if (e.type === 'discovered') logger.log('info', 'discovered', { ...e });
  else if (e.type === 'rejected') logger.log('debug', 'rejected', { ...e });
  else if (e.type === 'fork') logger.log('warn', 'fork proof', { ...e });
  else if (e.type === 'dispute') logger.log('warn', 'dispute proof', { ...e });
  else if (e.type === 'bad_delivery') logger.log('warn', 'bad-delivery proof', { ...e });
  else if (e.type === 'revoked') logger.log('warn', 'revocation', { ...e });
  else if (e.type === 'undecodable') logger.log('warn', 'own stored entry does not decode: skipped', { ...e });
}

type Ann = ReturnType<AgentCore['announceOnce']>;

/**
 * Announces arriving together (through the API) share one store transaction (grouped commit); each promise settles
 * after it. A misuse error fails only its own call; a rolled-back group fails every call in it.
 */
export function groupedAnnouncer(driver: Driver, core: AgentCore): (d: Declaration) => Promise<Ann> {
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
  return (d) =>
    new Promise<Ann>((resolve, reject) => {
      waiting.push({ d, resolve, reject });
      if (waiting.length === 1) setImmediate(flushAnnounces);
    });
}
