// The access links between nodes and the broker, and the bytes an MQTT packet takes on them.
//
// Every node has one access link to the hub (its "last mile"); a message from A to B crosses A's
// uplink, then B's downlink. Per traversal:
//   delay  = serialisation (bytes / bandwidth, FIFO behind what the link is still sending)
//          + propagation: lognormal(median, sigma), and with probability tailP an extra stall drawn
//            from Pareto(tailXmMs, tailAlpha), capped at tailCapMs (Wi-Fi retransmission bursts,
//            power-save wake-ups: rare but long, which is what dominates a p95)
//   order  = in order per link (MQTT runs over TCP): a message never overtakes an earlier one
//   loss   = PUBLISH packets are lost with probability lossP (QoS 0 semantics, a broker dropping under
//            load, a session torn down mid-flight); control packets (SUBSCRIBE) are not lost.
// Defaults (see docs/simulator.md): 70% of nodes on Wi-Fi (median 40 ms, sigma 0.5, 3% stalls of
// >= 150 ms, alpha 1.5, cap 3 s, 20 Mbit/s), 30% wired (median 8 ms, sigma 0.3, 100 Mbit/s).

import type { Prng } from './prng.js';

export interface LinkClass {
  readonly name: string;
  /** Median one-way propagation delay, ms. */
  readonly medianMs: number;
  /** Log-space standard deviation of the propagation delay (0.5 → p95 ≈ 2.3 × median). */
  readonly sigma: number;
  /** Probability that one traversal suffers an extra stall. */
  readonly tailP: number;
  readonly tailXmMs: number;
  readonly tailAlpha: number;
  readonly tailCapMs: number;
  /** Link capacity, bytes per second. */
  readonly bytesPerSec: number;
}

export const WIFI: LinkClass = { name: 'wifi', medianMs: 40, sigma: 0.5, tailP: 0.03, tailXmMs: 150, tailAlpha: 1.5, tailCapMs: 3000, bytesPerSec: 20e6 / 8 };
export const WIRED: LinkClass = { name: 'wired', medianMs: 8, sigma: 0.3, tailP: 0, tailXmMs: 0, tailAlpha: 1, tailCapMs: 0, bytesPerSec: 100e6 / 8 };

export interface NetParams {
  /** Share of nodes on Wi-Fi; the rest are wired. */
  readonly wifiShare: number;
  readonly wifi: LinkClass;
  readonly wired: LinkClass;
  /** Loss probability of each PUBLISH traversal of a link. */
  readonly lossP: number;
  /** Multiplies every propagation delay (the "slow links" scenario). */
  readonly slowFactor: number;
}

export const DEFAULT_NET: NetParams = { wifiShare: 0.7, wifi: WIFI, wired: WIRED, lossP: 0.01, slowFactor: 1 };

/** One direction of one access link. */
export class Link {
  private busyUntil = 0;
  private lastArrival = 0;

  constructor(
    readonly cls: LinkClass,
    private readonly rng: Prng,
    private readonly slow: number,
  ) {}

  /** Arrival time of `bytes` sent at `now` on this link (in order after earlier sends). */
  send(now: number, bytes: number): number {
    const start = Math.max(now, this.busyUntil);
    this.busyUntil = start + (bytes * 1000) / this.cls.bytesPerSec;
    let prop = this.rng.lognormal(this.cls.medianMs, this.cls.sigma);
    if (this.rng.chance(this.cls.tailP)) prop += Math.min(this.cls.tailCapMs, this.rng.pareto(this.cls.tailXmMs, this.cls.tailAlpha));
    const arrival = Math.max(this.busyUntil + prop * this.slow, this.lastArrival);
    this.lastArrival = arrival;
    return arrival;
  }
}

// ---------------------------------------------------------------- MQTT packet sizes (MQTT 5, OASIS §2-3)

/** The topic root of DESIGN §5; every MQTT topic name carries it. */
export const TOPIC_ROOT = 'agentnet/v1/sim/';

const varintLen = (n: number) => (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4);

/** PUBLISH: fixed header + topic (2-byte length + UTF-8) + packet id (QoS 1) + properties length + payload. */
export function publishSize(topicName: string, payload: number): number {
  const remaining = 2 + TOPIC_ROOT.length + topicName.length + 2 + 1 + payload;
  return 1 + varintLen(remaining) + remaining;
}

/** SUBSCRIBE/UNSUBSCRIBE with one filter: fixed header + packet id + properties + filter (+ options byte). */
export function subscribeSize(filter: string): number {
  const remaining = 2 + 1 + 2 + TOPIC_ROOT.length + filter.length + 1;
  return 1 + varintLen(remaining) + remaining;
}
