// The mesh core's ports, options, events and output (mesh.ts): what the socket driver (runtime/transport/udp.ts)
// supplies and polls.

import type { Channel } from '../channels.js';
import type { CookieMac } from './cookies.js';

export interface MeshPorts {
  /** `n` random bytes: message ids and fan-out choices. */
  randomBytes(n: number): Uint8Array;
  /** The cookie MAC (cookies.ts). */
  readonly cookieMac: CookieMac;
}

export interface MeshOptions {
  /** Seed addresses `host:port`. */
  readonly seeds: readonly string[];
  /** Gossip degree D (1..64). */
  readonly degree: number;
  /** Largest message payload accepted, bytes (larger frames are dropped unbuffered). */
  readonly maxMessage: number;
  /** This node's last will (`{channel, key}`), named in its beacons. */
  readonly will?: { readonly channel: Channel; readonly key: string };
}

export type MeshEvent =
  | { readonly type: 'message'; readonly channel: Channel; readonly key: string; readonly bytes: Uint8Array }
  | { readonly type: 'peer'; readonly channel: Channel; readonly key: string; readonly reachable: boolean }
  | { readonly type: 'oversize'; readonly channel: Channel; readonly key: string; readonly bytes: number };

export interface MeshTransmit {
  readonly to: string;
  readonly frame: Uint8Array;
}
