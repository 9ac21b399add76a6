// The connection settings of a nats:// or tls:// URL (docs/transports.md "NATS"):
//
//   nats://[user:pass@|token@]host[:port][,host[:port]...][?token=T&tls=1&ca=F&cert=F&key=F&replicas=N&domain=D&gossip=0]
//   tls://...   the same with TLS required
//

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { parseServerList } from './servers.js';

export interface NatsSettings {
  readonly servers: string[];
  readonly connect: Partial<ConnectionOptions> & { tls?: Record<string, unknown> | null };
  /** Replicas of the buckets this node creates; undefined: 3 on a cluster of 3 or more servers, else 1. */
  readonly replicas: number | undefined;
  /** JetStream domain (a leaf node without JetStream reaches the cluster's by its domain). */
  readonly domain: string | undefined;
}

/** The connection settings a nats:// or tls:// URL asks for (TypeError on a malformed one). */
export function natsSettings(url: string): NatsSettings {
  const list = parseServerList(url);
  if (list.scheme !== 'nats:' && list.scheme !== 'tls:')
    throw new TypeError(`nats transport: not a nats:// or tls:// URL: ${url}`);
  const u = new URL(list.urlFor(0));
  const q = u.searchParams;
  const known = new Set(['token', 'tls', 'ca', 'cert', 'key', 'replicas', 'domain', 'gossip']);
  for (const k of q.keys()) if (!known.has(k)) throw new TypeError(`nats transport: unknown URL parameter ${k}`);
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  const token = q.get('token') ?? (user && !pass ? user : undefined);
  const file = (k: string) => {
    const f = q.get(k);
    if (!f) return undefined;
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new TypeError(`nats transport: ${k}=${f}: ${(e as Error).message}`);
    }
  };
  const [ca, cert, key] = [file('ca'), file('cert'), file('key')];
  const tls = list.scheme === 'tls:' || q.get('tls') === '1' || ca || cert || key;
  let replicas: number | undefined;
  if (q.has('replicas')) {
    replicas = Number(q.get('replicas'));
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
      throw new TypeError(`nats transport: replicas must be 1..5, got ${q.get('replicas')}`);
  }
  return {
    servers: list.servers.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)),
    connect: {
      ...(user && pass ? { user, pass } : {}),
      ...(token ? { token } : {}),
      ...(tls ? { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } } : {}),
      // Only the listed servers: the addresses a cluster advertises may not be reachable from here (NAT).
      ...(q.get('gossip') === '0' ? { ignoreClusterUpdates: true } : {}),
    },
    replicas,
    domain: q.get('domain') || undefined,
  };
}
