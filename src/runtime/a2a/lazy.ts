// The node's A2A side, made at the first A2A request: `agentnet run` then loads the A2A SDK (and jose) only when
// a client uses A2A, which keeps a plain node's start-up and resident memory as they were.

import type { A2aDeps, A2aHost } from './host.js';

export function lazyA2a(d: A2aDeps): () => Promise<A2aHost> {
  let host: Promise<A2aHost> | undefined;
  return () => (host ??= import('./host.js').then((m) => m.makeA2aHost(d)));
}
