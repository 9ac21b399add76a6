// Parts of a node's assembly (src/runtime/node.ts, docs/architecture.md §9): the agent core from the profile and the
// identity, the log lines of core events, grouped announces, the process' memory. Assembly only: no protocol
// decision is made here.

import { AgentCore } from '../core/agent.js';
import { ANNOUNCE, validate } from '../core/api/requests.js';
import { FieldError } from '../core/codec/schema.js';
import { ERR } from './errors.js';
import type { CryptoPort } from '../core/base/ports.js';
import type { LogStore } from '../core/log/store.js';
import type { CoreEvent, Declaration } from '../core/types.js';
import type { Driver } from './driver.js';
import type { ensureIdentity } from './identity.js';
import type { Logger } from './logger.js';
import type { Profile } from './profile.js';

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
): AgentCore {
  return new AgentCore({
    crypto,
    store,
    agentSecret: identity.agentSecret,
    binding: identity.binding,
    limits: profile.limits,
    t0CacheSize: profile.t0CacheSize,
    pullTimeoutMs: profile.pullTimeoutMs,
    // Heartbeat (core/gossip/heartbeat.ts): changed frontiers go out again for 2 rounds; every 60 rounds the retained
    // heads of followed topics are re-read (full anti-entropy for heads lost more often than that).
    heartbeatMs: profile.heartbeatMs,
    resyncEvery: Math.max(1, Math.round(60_000 / profile.heartbeatMs)),
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
