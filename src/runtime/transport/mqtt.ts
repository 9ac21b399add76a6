// MQTT transport (docs/architecture.md §5) on mqtt.js. Topic root `agentnet/v1/{network}/`:
//   h/{topic} headers           b/{bodyHash} retained bodies (Message Expiry = entry expiry)
//   n/{author} retained births  f/{topic}/{author} retained frontiers   d/{agent} direct inbox
//   x/{author} retained fork proofs (every node subscribes x/+)
//   r/{agent} retained revocations (every node subscribes r/+)
// Publishes at QoS 1, subscriptions at QoS 0 (see subscribe); received QoS 0 publishes are read off the socket by
// the packet bound (mqtt-bound.ts, mqtt-publish.ts), mqtt.js handles the connection and every other packet. MQTT 5 by default; `?mqtt=4` in the URL selects
// 3.1.1 (the embedded aedes broker speaks only 3.1.1, so retained bodies there carry no expiry). Reconnects with exponential backoff and jitter
// (reconnectDelay); publishes made while down wait in mqtt.js' offline queue, and QoS 1 messages in
// flight stay in its outgoing store across reconnects; subscriptions are restored (resubscribe).
// A broker list (`mqtt://h1:1883,h2:1883`, servers.ts) is one link: the first broker that answers is used,
// a lost one is replaced by the next, and `?failback=S` (default 30 s, 0 = never) says how often the
// preferred brokers are probed to go back to them.
// Packet size: the largest packet accepted is the node's message limit (firmware profile limits.messageBytes)
// plus MQTT_PACKET_OVERHEAD. MQTT 5 announces it (CONNECT Maximum Packet Size: the broker drops larger
// publishes for this client, MQTT 5 §3.1.2.11.4), and on every protocol version the stream under mqtt.js
// skips larger packets unread (mqtt-bound.ts), reported through onOversize.
// A clean close publishes the signed death (the Will) itself and waits for its PUBACK, at most
// DEATH_ACK_MS, before the DISCONNECT: a normal DISCONNECT makes the broker discard the Will.

import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { letterName, parseLetterName, type Channel } from '../../core/channels.js';
import { ERR } from '../errors.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  NETWORK_RE,
  type PublishOptions,
  type Transport,
  type TransportOptions,
  type TransportState,
} from './types.js';
import { Failover, parseServerList } from './servers.js';
import { boundMqttStream, boundMqttTcp, type Publish0Sink } from './mqtt-bound.js';

/**
 * A plain mqtt:// URL (no credentials, no other query parameters, no SOCKS proxy from MQTTJS_SOCKS_PROXY)
 * gets a TCP stream builder handed to MqttClient directly: mqtt.connect would first load its WebSocket,
 * TLS and SOCKS builders (ws, tls, https, zlib: about 45 more built-in modules and 3.5 MiB of memory in
 * an idle node). Anything else goes through mqtt.connect unchanged.
 */
function plainTcp(u: URL): { host: string; port: number } | undefined {
  if (
    (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') ||
    u.username ||
    u.password ||
    u.search ||
    u.pathname.length > 1 ||
    process.env['MQTTJS_SOCKS_PROXY']
  )
    return undefined;
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost', port: u.port ? Number(u.port) : 1883 };
}

/**
 * Bytes of an MQTT PUBLISH besides its payload, at most, for agentnet's own messages: fixed header (5),
 * topic (2 + `agentnet/v1/` + network <= 64 + `/x/` + key <= 129: about 210), packet id (2) and properties
 * (message expiry: 5 + length). 1 KiB leaves room for a broker's added properties.
 */
export const MQTT_PACKET_OVERHEAD = 1024;

/** How long a clean close waits for the broker's PUBACK of the death it publishes, ms. */
export const DEATH_ACK_MS = 3000;
/** ms a clean stop waits for in-flight acknowledgements before it ends the connection anyway. */
const END_MS = 3000;

/** Reconnect backoff (ms): the first retry after `base`, doubling per failed attempt up to `cap`. */
export const RECONNECT_BACKOFF = { base: 500, cap: 8_000 } as const;

/**
 * Delay before reconnect attempt `n` (0-based): min(cap, base·2^n), scaled by a jitter factor in
 * [0.5, 1) from `rand` so that nodes dropped together by a broker restart do not reconnect in step.
 */
export function reconnectDelay(
  n: number,
  rand: () => number,
  b: { base: number; cap: number } = RECONNECT_BACKOFF,
): number {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`reconnectDelay: attempt must be a non-negative integer, got ${n}`);
  return Math.round(Math.min(b.cap, b.base * 2 ** Math.min(n, 30)) * (0.5 + rand() / 2));
}

/** The MQTT topic of a channel's key: `agentnet/v1/{network}/{letter}/{key}` (the channel table, core/channels.ts). */
export const mqttTopic = (network: string, channel: Channel, key: string): string =>
  `agentnet/v1/${network}/${letterName(channel, key)}`;

/** The channel and key of a received topic, or undefined for a topic of no channel or another network. */
export function parseMqttTopic(network: string, topic: string): { channel: Channel; key: string } | undefined {
  const root = `agentnet/v1/${network}/`;
  return topic.startsWith(root) ? parseLetterName(topic.slice(root.length)) : undefined;
}

/** One broker address as mqtt.js takes it. */
type Server = NonNullable<IClientOptions['servers']>[number];

const willBytes = (w: NonNullable<TransportOptions['will']>): Uint8Array =>
  typeof w.bytes === 'function' ? w.bytes() : w.bytes;

/** mqtt.js options: protocol version, packet bound, the Will. */
function clientOptions(o: TransportOptions, version: 4 | 5, maxPacket: number): IClientOptions {
  return {
    protocolVersion: version,
    ...(version === 5 ? { properties: { maximumPacketSize: maxPacket } } : {}),
    clientId: `agentnet-${o.clientId}`,
    clean: true,
    // mqtt.js retries at a fixed period; the transport schedules its own backed-off retries (Reconnects), so
    // this is only a fallback that never fires in practice (> 0 keeps the offline queue: see _cleanUp).
    reconnectPeriod: 3_600_000,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    resubscribe: true,
    queueQoSZero: true,
    // mqtt-packet would otherwise build a cache of 65,536 two-byte Buffers (about 6 MiB of heap, the
    // largest single item in an idle node's heap) on its first write; the setting is process-wide, so it
    // also covers the embedded broker (aedes shares the module). Packet ids are then encoded on the fly.
    writeCache: false,
    // mqtt.js logs through `debug` about 90 times per received entry even when disabled; a no-op logger
    // skips that (DEBUG=mqttjs* still gets mqtt.js's own logger).
    ...(process.env['DEBUG']?.includes('mqttjs') ? {} : { log: () => {} }),
    ...(o.will
      ? {
          will: {
            topic: mqttTopic(o.network, o.will.channel, o.will.key),
            payload: Buffer.from(willBytes(o.will)),
            qos: 1 as const,
            retain: true,
            // The Will Delay lets a node that reconnects quickly (Wi-Fi blip) cancel its own death (MQTT 5
            // §3.1.3.2.2); Mosquitto 2.0 does so for our clean-start reconnects (test/integration/will-delay.test.ts).
            ...(version === 5 ? { properties: { willDelayInterval: o.will.delayS } } : {}),
          },
        }
      : {}),
  };
}

/**
 * The client, its stream bounded to `maxPacket` (packets over it are skipped unread and reported to `dropped`);
 * QoS 0 publishes are read by the bound and go to `sink` without passing through mqtt.js (mqtt-publish.ts).
 */
function buildClient(
  u: URL,
  failover: Failover,
  target: Server,
  opts: IClientOptions,
  maxPacket: number,
  dropped: (d: { topic: string | undefined; bytes: number }) => void,
  sink: Publish0Sink,
): MqttClient {
  if (plainTcp(u))
    return new mqtt.MqttClient(() => boundMqttTcp(failover.servers[failover.current]!, maxPacket, dropped, sink), opts);
  // mqtt.connect picks the stream builder for the scheme (TLS, WebSocket); the bound wraps what it builds.
  const client = mqtt.connect(u.toString().replace(/\?$/, ''), {
    ...opts,
    ...(failover.servers.length > 1 ? { servers: [target] } : {}),
    manualConnect: true,
  });
  // streamBuilder is private in mqtt.js' typings; manualConnect leaves it to be wrapped before the first connect.
  const c = client as unknown as { streamBuilder: (cl: MqttClient) => Duplex };
  const build = c.streamBuilder;
  c.streamBuilder = (cl) => boundMqttStream(build(cl), maxPacket, dropped, sink);
  client.connect();
  return client;
}

/**
 * The connection's life: state changes to the listeners, failback to a preferred broker, and backed-off
 * reconnects to the broker the failover picks, with the same stores so unacknowledged QoS 1 messages go again.
 */
class Reconnects {
  closing = false;
  attempt = 0;
  lastDelayMs = 0;
  private switching = false; // ending the connection on purpose to go back to a preferred broker
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly failover: Failover,
    private readonly target: Server,
    private readonly stateCbs: ReadonlyArray<(s: TransportState) => void>,
  ) {
    client.on('connect', () => this.connected());
    client.on('close', () => this.closed());
    client.on('error', () => {
      /* surfaced through 'close' and reconnects; ready() reports the first failure */
    });
  }

  stop(): void {
    this.closing = true;
    this.failover.stopProbing();
    if (this.retry) clearTimeout(this.retry);
  }

  private connected(): void {
    this.attempt = 0;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.stateCbs.forEach((cb) => cb('up'));
    this.failover.connected(() => {
      // A normal DISCONNECT: the broker we leave discards the Will (MQTT 5 §3.14.4), so no death is published.
      this.switching = true;
      this.client.end(false, {}, () => undefined);
    });
  }

  private closed(): void {
    this.stateCbs.forEach((cb) => cb('down'));
    if (this.closing || this.retry) return;
    // After a switch, end() has waited for the in-flight messages and closed the stores: start with new ones.
    const fresh = this.switching;
    if (this.switching) {
      this.switching = false;
      this.lastDelayMs = 0;
    } else {
      this.attempt++;
      const rounds = this.failover.failed();
      this.lastDelayMs = rounds === 0 ? 0 : reconnectDelay(rounds - 1, Math.random);
    }
    Object.assign(this.target, this.failover.servers[this.failover.current]);
    const client = this.client;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      // The same stores: QoS 1 messages the broker never acknowledged are sent again after reconnecting.
      if (this.closing || client.connected) return;
      if (fresh) client.reconnect();
      else client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, this.lastDelayMs);
  }
}

/**
 * A clean stop: the death as a retained publish of our own, acknowledged before we disconnect (the retained birth
 * becomes this death and subscribers drop us at once; no Will after a clean DISCONNECT); then what is in flight
 * gets up to END_MS for its acknowledgements. mqtt.js's graceful end would wait for them without a bound (a
 * broker that stopped answering, or a client that is down, held the stop for good), so after that the connection
 * is ended at once: no DISCONNECT, and the broker sends the Will, which is the same signed death.
 */
async function closeClient(client: MqttClient, network: string, will: TransportOptions['will']): Promise<void> {
  if (will && client.connected) {
    const bytes = willBytes(will);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, DEATH_ACK_MS);
      client.publish(mqttTopic(network, will.channel, will.key), Buffer.from(bytes), { qos: 1, retain: true }, () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  const inFlight = () => Object.keys(client.outgoing).length > 0;
  if (client.connected && inFlight())
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, END_MS);
      client.once('outgoingEmpty', () => {
        clearTimeout(t);
        resolve();
      });
    });
  const graceful = client.connected && !inFlight();
  return new Promise<void>((resolve) => client.end(!graceful, {}, () => resolve()));
}

/** Resolves once connected, or rejects with TRANSPORT_FAILED after `ms`. */
function connectedWithin(client: MqttClient, url: string, ms: number | undefined): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(ERR.transportFailed(`no connection to ${url} within ${ms} ms`)), ms);
    client.once('connect', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export function createMqttTransport(url: string, o: TransportOptions): Transport {
  if (!NETWORK_RE.test(o.network))
    throw new TypeError(`mqtt transport: invalid network name ${JSON.stringify(o.network)}`);
  const list = parseServerList(url);
  const u = new URL(list.urlFor(0));
  const version = u.searchParams.get('mqtt') === '4' ? 4 : 5;
  const failbackS = Number(u.searchParams.get('failback') ?? 30);
  if (!Number.isFinite(failbackS) || failbackS < 0)
    throw new TypeError(`mqtt transport: failback must be a number of seconds >= 0 in ${url}`);
  u.searchParams.delete('mqtt');
  u.searchParams.delete('failback');
  const failover = new Failover(list.servers, { failbackS });
  // mqtt.js dials `servers[0]` of its options at every (re)connect: one entry, pointed at the chosen broker.
  const target = { ...list.servers[0]! };
  const maxPacket = (o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) + MQTT_PACKET_OVERHEAD;
  const opts = clientOptions(o, version, maxPacket);
  const oversizeCbs: Array<(c: Channel, k: string, n: number) => void> = [];
  const dropped = (d: { topic: string | undefined; bytes: number }) => {
    const c = d.topic === undefined ? undefined : parseMqttTopic(o.network, d.topic);
    if (c) for (const cb of oversizeCbs) cb(c.channel, c.key, d.bytes);
  };
  const msgCbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  const received = (topic: string, payload: Buffer) => {
    const c = parseMqttTopic(o.network, topic);
    if (!c) return;
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    for (const cb of msgCbs) cb(c.channel, c.key, bytes);
  };
  // QoS 0 publishes (all a node's subscriptions deliver) come from the bound; anything else mqtt.js reads.
  const client = buildClient(u, failover, target, opts, maxPacket, dropped, { version, onPublish: received });
  client.on('message', received);
  const will = o.will;
  if (will && typeof will.bytes === 'function') {
    const next = will.bytes;
    // mqtt.js builds each CONNECT from client.options.will: refresh the payload before every reconnect.
    client.on('reconnect', () => {
      if (client.options.will) client.options.will.payload = Buffer.from(next());
    });
  }
  const link = new Reconnects(client, failover, target, stateCbs);

  return {
    url,
    publish(channel, key, bytes, p: PublishOptions) {
      const props =
        version === 5 && p.expiryMs !== undefined
          ? { properties: { messageExpiryInterval: Math.max(1, Math.ceil(p.expiryMs / 1000)) } }
          : {};
      const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      client.publish(mqttTopic(o.network, channel, key), payload, { qos: 1, retain: p.retain, ...props });
    },
    subscribe(channel, key) {
      // QoS 0: the session starts clean and ends with the connection (`clean: true`), so a QoS 1 delivery to us
      // is no more reliable than QoS 0 over the same TCP stream (what is in flight when the link drops is lost
      // either way, and frontiers and gap repair bring it back); it would only cost a PUBACK per received message
      // and the broker's in-flight window (docs/devices.md "Ingest"). Our own publishes stay QoS 1.
      client.subscribe(mqttTopic(o.network, channel, key), { qos: 0 });
    },
    unsubscribe(channel, key) {
      client.unsubscribe(mqttTopic(o.network, channel, key));
    },
    onMessage: (cb) => void msgCbs.push(cb),
    onState: (cb) => void stateCbs.push(cb),
    onOversize: (cb) => void oversizeCbs.push(cb),
    ready: () => connectedWithin(client, url, opts.connectTimeout),
    async close() {
      link.stop();
      return closeClient(client, o.network, will);
    },
    stats() {
      return {
        reconnectAttempts: link.attempt,
        reconnectDelayMs: link.lastDelayMs,
        ...(failover.servers.length > 1
          ? { broker: failover.current, failovers: failover.failovers, failbacks: failover.failbacks }
          : {}),
      };
    },
  };
}
