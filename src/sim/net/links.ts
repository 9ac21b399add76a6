// The access links between nodes and the broker, and the bytes an MQTT packet takes on them.
//
// Every node has one access link to the hub (its "last mile"); a message from A to B crosses A's
// uplink, then B's downlink. Per traversal:
//   delay  = serialisation (bytes / bandwidth, FIFO behind what the link is still sending)
//          + propagation: lognormal(median, sigma), drawn once per burst (messages sent within
//            BURST_MS of the previous one share it: they travel in the same TCP segments, so they see
//            the same path conditions) and again for the next burst
//          + stalls: a Poisson process of stall episodes (stallsPerSec) whose durations are
//            Pareto(stallXmMs, stallAlpha) capped at stallCapMs (Wi-Fi retransmission bursts,
//            power-save wake-ups: rare but long, which is what dominates a p95); nothing crosses the
//            link during a stall
//   order  = in order per link (MQTT runs over TCP): a message never overtakes an earlier one
//   loss   = deliveries of PUBLISH packets from the broker to a subscriber are lost with probability
//            lossP (QoS 0 delivery, a broker dropping under load, a session torn down mid-flight);
//            a node's own PUBLISH to the broker is QoS 1, retransmitted until acknowledged, so it is
//            not lost unless lossUplink is set; control packets (SUBSCRIBE) are not lost.
// Defaults (docs/simulator.md): 70% of nodes on Wi-Fi (median 40 ms, sigma 0.5, one stall per 10 s
// per direction, Pareto(150 ms, 1.5) capped at 3 s, 20 Mbit/s), 30% wired (median 8 ms, sigma 0.3,
// no stalls, 100 Mbit/s).

import type { Rng } from '../rng.js';

export interface LinkClass {
  readonly name: string;
  /** Median one-way propagation delay, ms. */
  readonly medianMs: number;
  /** Log-space standard deviation of the propagation delay (0.5 → p95 ≈ 2.3 × median). */
  readonly sigma: number;
  /** Mean stall episodes per second of link time (Poisson). */
  readonly stallsPerSec: number;
  readonly stallXmMs: number;
  readonly stallAlpha: number;
  readonly stallCapMs: number;
  /** Link capacity, bytes per second. */
  readonly bytesPerSec: number;
}

export const WIFI: LinkClass = {
  name: 'wifi',
  medianMs: 40,
  sigma: 0.5,
  stallsPerSec: 0.1,
  stallXmMs: 150,
  stallAlpha: 1.5,
  stallCapMs: 3000,
  bytesPerSec: 20e6 / 8,
};
export const WIRED: LinkClass = {
  name: 'wired',
  medianMs: 8,
  sigma: 0.3,
  stallsPerSec: 0,
  stallXmMs: 0,
  stallAlpha: 1,
  stallCapMs: 0,
  bytesPerSec: 100e6 / 8,
};

export interface NetParams {
  /** Share of nodes on Wi-Fi; the rest are wired. */
  readonly wifiShare: number;
  readonly wifi: LinkClass;
  readonly wired: LinkClass;
  /** Loss probability of each PUBLISH delivery broker → subscriber. */
  readonly lossP: number;
  /** Also lose publishes node → broker with lossP (as if QoS 0 end to end). */
  readonly lossUplink: boolean;
  /** Multiplies every propagation delay (the "slow links" scenario). */
  readonly slowFactor: number;
}

export const DEFAULT_NET: NetParams = {
  wifiShare: 0.7,
  wifi: WIFI,
  wired: WIRED,
  lossP: 0.01,
  lossUplink: false,
  slowFactor: 1,
};

const BURST_MS = 2;

/** One direction of one access link. */
export class Link {
  private busyUntil = 0;
  private lastArrival = 0;
  private lastSend = -Infinity;
  private prop = 0;
  private nextStall: number;
  private stallEnd = 0;

  constructor(
    readonly cls: LinkClass,
    private readonly rng: Rng,
    private readonly slow: number,
  ) {
    this.nextStall = cls.stallsPerSec > 0 ? rng.exp(1000 / cls.stallsPerSec) : Infinity;
  }

  /** Arrival time of `bytes` sent at `now` on this link (in order after earlier sends). */
  send(now: number, bytes: number): number {
    let start = Math.max(now, this.busyUntil);
    // Stall episodes up to `start`: the last one may still be blocking the link.
    while (this.nextStall <= start) {
      const dur = Math.min(this.cls.stallCapMs, this.rng.pareto(this.cls.stallXmMs, this.cls.stallAlpha));
      this.stallEnd = Math.max(this.stallEnd, this.nextStall + dur);
      this.nextStall += dur + this.rng.exp(1000 / this.cls.stallsPerSec);
    }
    start = Math.max(start, this.stallEnd);
    this.busyUntil = start + (bytes * 1000) / this.cls.bytesPerSec;
    if (now > this.lastSend + BURST_MS) this.prop = this.rng.lognormal(this.cls.medianMs, this.cls.sigma) * this.slow;
    this.lastSend = now;
    const arrival = Math.max(this.busyUntil + this.prop, this.lastArrival);
    this.lastArrival = arrival;
    return arrival;
  }
}

// ---------------------------------------------------------------- MQTT packet sizes (MQTT 5, OASIS §2-3)

/** The topic root of docs/architecture.md §5; every MQTT topic name carries it. */
export const TOPIC_ROOT = 'agentnet/v1/sim/';

const varintLen = (n: number) => (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4);

/** PUBLISH: fixed header + topic (2-byte length + UTF-8) + packet id (QoS 1) + properties length + payload. */
export function publishSize(topicName: string, payload: number, withExpiry = false): number {
  // properties: length byte, plus Message Expiry Interval (id byte + 4-byte integer) when set
  const remaining = 2 + TOPIC_ROOT.length + topicName.length + 2 + 1 + (withExpiry ? 5 : 0) + payload;
  return 1 + varintLen(remaining) + remaining;
}

/** SUBSCRIBE/UNSUBSCRIBE with one filter: fixed header + packet id + properties + filter (+ options byte). */
export function subscribeSize(filter: string): number {
  const remaining = 2 + 1 + 2 + TOPIC_ROOT.length + filter.length + 1;
  return 1 + varintLen(remaining) + remaining;
}
