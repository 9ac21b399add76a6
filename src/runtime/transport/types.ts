// The transport interface (docs/conventions.md §7): a small factory per URL scheme, knowing nothing of the protocol
// beyond channel names. Messages are opaque bytes; the core decodes and verifies everything.

import type { Channel } from '../../core/types.js';

export interface PublishOptions {
  readonly retain: boolean;
  /** Broker-side lifetime of a retained message, ms (MQTT 5 Message Expiry Interval). */
  readonly expiryMs?: number;
}

export type TransportState = 'up' | 'down';

export interface Transport {
  readonly url: string;
  /** Queued while the link is down and sent on reconnect (offline queue). */
  publish(channel: Channel, key: string, bytes: Uint8Array, opts: PublishOptions): void;
  /** Subscriptions survive reconnects. `key` may end in `/+` for one wildcard level. */
  subscribe(channel: Channel, key: string): void;
  unsubscribe(channel: Channel, key: string): void;
  onMessage(cb: (channel: Channel, key: string, bytes: Uint8Array) => void): void;
  onState(cb: (state: TransportState) => void): void;
  /**
   * A peer's reachability as the transport sees it, named by the peer's last will (channel, key): the
   * UDP mesh reports a neighbour whose beacons stopped as unreachable, and reachable when they resume.
   * A local hint, unsigned: never a death. Transports with a broker (which publishes Wills) omit it.
   */
  onPeer?(cb: (channel: Channel, key: string, reachable: boolean) => void): void;
  /**
   * A message dropped unread for its size (over `maxMessageBytes` plus the transport's framing): the MQTT
   * client side bound (mqtt-bound.ts), the mesh's reassembly bound. `channel` and `key` when the transport
   * could read them. The node counts it as `oversized`, like a message the core refuses for its size.
   */
  onOversize?(cb: (channel: Channel, key: string, bytes: number) => void): void;
  /** Resolves once the first connection is up (or rejects with TRANSPORT_FAILED). */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** Counters the node reports under `link.transport` in its status (the bridge's forwards, the mesh's neighbours). */
  stats?(): TransportStats;
}

export type TransportStats = {
  readonly [name: string]: number | string | TransportStats | readonly TransportStats[];
};

export interface TransportOptions {
  /** Network name: the MQTT topic root is `agentnet/v1/{network}/`. */
  readonly network: string;
  /** Stable client id (the agent key hex, shortened). */
  readonly clientId: string;
  readonly connectTimeoutMs?: number;
  /**
   * The largest message the node accepts (the firmware profile's `limits.messageBytes`): MQTT asks the
   * broker for packets of at most this plus MQTT_PACKET_OVERHEAD (MQTT 5 Maximum Packet Size) and skips
   * larger ones unread; the mesh drops larger messages before reassembling them. Default 128 KiB.
   */
  readonly maxMessageBytes?: number;
  /** Gossip degree D of the UDP LAN mesh (firmware profile `gossipDegree`); brokers need none. */
  readonly degree?: number;
  /**
   * Last will: published (retained) by the broker when this client vanishes, after `delayS` (MQTT 5).
   * A function is called again before every reconnect, so each connection can leave its own Will.
   */
  readonly will?: {
    readonly channel: Channel;
    readonly key: string;
    readonly bytes: Uint8Array | (() => Uint8Array);
    readonly delayS: number;
  };
}

/** MQTT topic letters and NATS subject tokens: columns of the channel table (core/channels.ts). */
export { CHANNEL_LETTER, LETTER_CHANNEL } from '../../core/channels.js';
export const NETWORK_RE = /^[a-z0-9_.-]{1,64}$/;

/** `maxMessageBytes` when none is given: the default limits' messageBytes (core/codec/limits.ts). */
export const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;
