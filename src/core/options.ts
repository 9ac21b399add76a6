// Options of AgentCore (agent.ts). Times in ms; counts are entries or messages.

import type { Limits } from './codec/limits.js';
import type { HeartbeatOptions } from './gossip/heartbeat.js';
import type { BindingDecoder } from './identity/binding.js';
import type { LogStore } from './log/store.js';
import type { CryptoPort } from './base/ports.js';

export interface AgentOptions extends HeartbeatOptions {
  readonly crypto: CryptoPort;
  readonly store: LogStore;
  readonly agentSecret: Uint8Array;
  /** This agent's binding (COSE_Sign bytes); must verify at T2 and bind the agent key. */
  readonly binding: Uint8Array;
  readonly limits?: Limits;
  /** Log epoch this incarnation writes in (default 0); > 0 needs `continuation`. */
  readonly epoch?: number;
  /** Operator-signed continuation record of `epoch` (identity/continuation.ts, docs/architecture.md §4). */
  readonly continuation?: Uint8Array;
  /** Accepted clock skew for peers' timestamps, ms (default 5 min). */
  readonly clockSkewMs?: number;
  readonly t0CacheSize?: number;
  /** Verified bindings held in memory (agents; default unbounded); the rest stay in the store (identity/tiers.ts). */
  readonly bindingCacheSize?: number;
  /** Called before a stored binding is verified again (the runtime's verified-bindings cache answers its signatures). */
  readonly vouchBinding?: (bytes: Uint8Array) => void;
  readonly pullTimeoutMs?: number;
  /**
   * Each own log's signed frontier goes out at most once per this many ms: a head that changes sooner is published
   * at the next heartbeat round (own-log.ts). Absent: with every flush of appends. Needs a heartbeat.
   */
  readonly frontierEveryMs?: number;
  readonly maxAttempts?: number;
  /** Out-of-order entries held per log while a gap is repaired. */
  readonly heldPerLog?: number;
  readonly maxHeld?: number;
  /**
   * How long an out-of-order entry may stay held, ms (default: twice the gap repair's whole retry window,
   * pullTimeoutMs · maxAttempts · (maxAttempts + 1), 40 s with the defaults).
   */
  readonly heldMaxAgeMs?: number;
  /** Operator keys (hex) accepted; absent = any operator. */
  readonly operators?: ReadonlySet<string>;
  /**
   * Binding decoder for the verifier (default: decode every time). The simulator passes one shared,
   * content-addressed decoder to all its nodes (src/sim/net/intern.ts): a decoded binding is an
   * immutable function of its bytes, so 10,000 nodes need not hold 10,000 copies of each.
   */
  readonly bindingDecoder?: BindingDecoder;
}
