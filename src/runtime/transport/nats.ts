// NATS transport with JetStream for retained state (docs/transports.md "NATS"), on the official clients
// (@nats-io/transport-node, @nats-io/jetstream, @nats-io/kv).
//
//   nats:// and tls:// URLs: nats-settings.ts
//
// The servers are seeds of one cluster: the client picks one (randomized, the NATS default, which spreads a
// site's nodes over the cluster), learns the other members from the server, and moves to another member when
// its server goes, resubscribing on its own. Live channels (headers, direct messages) are core NATS
// publishes; retained channels are puts into JetStream key-value buckets (nats-subjects.ts), acknowledged by
// the stream and retried until then (nats-outbox.ts, which also keeps the order of live and retained
// messages), which the buckets republish on the channel's subject. A subscription is a core NATS
// subscription on the subject plus, for a retained channel, a read of the values stored under it (what MQTT
// sends as retained on SUBSCRIBE), again after every reconnect.
// Wills are replaced by leases (nats-liveness.ts).

import {
  connect,
  type ConnectionOptions,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Channel } from '../../core/types.js';
import { ERR } from '../errors.js';
import { reconnectDelay } from './mqtt.js';
import { NatsLiveness } from './nats-liveness.js';
import { NatsOutbox, PUT_TIMEOUT_MS } from './nats-outbox.js';
import { natsSettings } from './nats-settings.js';
import {
  BUCKET_BOUNDS,
  MAX_VALUE_BYTES,
  NatsNames,
  retainedIn,
  TTL_HEADER,
  type BucketClass,
} from './nats-subjects.js';
import { NETWORK_RE, type Transport, type TransportOptions, type TransportState } from './types.js';

export { natsSettings } from './nats-settings.js';
const BUCKETS: readonly BucketClass[] = ['state', 'frontiers', 'bodies', 'wills', 'leases'];

/** A subscription of the core: the live one, and on the will channel the one on the covered leases. */
type Sub = { channel: Channel; key: string; store?: string; sub?: Subscription; leases?: Subscription };

export function createNatsTransport(url: string, o: TransportOptions): Transport {
  if (!NETWORK_RE.test(o.network))
    throw new TypeError(`nats transport: invalid network name ${JSON.stringify(o.network)}`);
  const settings = natsSettings(url);
  // Through a JetStream domain (a leaf node), puts go to the domain's API subjects, as @nats-io/kv does.
  const putPrefix = settings.domain ? `$JS.${settings.domain}.API.` : '';
  const names = new NatsNames(o.network);
  // Longer than MQTT's 10 s: a cluster that has just lost a server may need several Raft election rounds
  // (meta leader, then each bucket's stream leader) before JetStream answers again, more on a loaded host.
  const connectTimeoutMs = o.connectTimeoutMs ?? 30_000;
  /** ms a clean stop waits for the connection to drain. */
  const DRAIN_MS = 5000;
  const liveness = new NatsLiveness(o.will?.channel);
  const msgCbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  /** subject -> the subscription (while connected) and its channel and key. */
  const subs = new Map<string, Sub>();
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  let kv: Partial<Record<BucketClass, KV>> = {};
  let up = false;
  let closing = false;
  let lastError: unknown;
  let reconnects = 0;
  const stats = { catchUps: 0, catchUpFailures: 0 };
  const kvFor = (subject: string): KV | undefined => {
    for (const c of BUCKETS) if (subject.startsWith(`$KV.${names.bucket(c)}.`)) return kv[c];
    return undefined;
  };
  const outbox = new NatsOutbox(putPrefix, kvFor);

  // ---- delivery
  const deliver = (subject: string, data: Uint8Array, h: MsgHdrs | undefined, storedMs?: number) => {
    if (data.length === 0 || h?.get('KV-Operation')) return; // deletes and purges are not messages
    const ttl = h?.get(TTL_HEADER) ? Number(h.get(TTL_HEADER)) : NaN;
    if (storedMs !== undefined && Number.isFinite(ttl) && storedMs + ttl <= Date.now()) return; // expired
    const p = names.parse(subject);
    if (!p) return;
    const bytes = new Uint8Array(data); // the client's buffer is not ours to keep
    for (const cb of msgCbs) cb(p.channel, p.key, bytes);
  };
  const onMsg = (err: Error | null, m: Msg) => {
    if (!err) deliver(m.subject, m.data, m.headers);
  };

  /** The values stored under a retained subscription (a key, or a filter with `*`). */
  async function catchUp(s: Sub, attempt = 0): Promise<void> {
    const c = retainedIn(s.channel);
    const subject = s.store;
    if (!c || !subject || !js || !jsm || !up || closing) return;
    const live = () => subs.get(names.subjectOf(s.channel, s.key)) === s;
    const stream = `KV_${names.bucket(c)}`;
    try {
      if (!subject.includes('*')) {
        // From the stream leader: a direct get may be answered by a replica that has not caught up yet.
        const sm = await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch((e: Error) => {
          if (/not found/i.test(e.message)) return null;
          throw e;
        });
        if (sm && live()) deliver(liveOf(sm.subject), sm.data, sm.header, sm.time.getTime());
      } else {
        const oc = await js.consumers.get(stream, {
          filter_subjects: subject,
          deliver_policy: DeliverPolicy.LastPerSubject,
        });
        const n = (await oc.info(true)).num_pending;
        if (n > 0) {
          const it = await oc.fetch({ max_messages: n, expires: 10_000 });
          for await (const m of it) {
            if (live())
              deliver(liveOf(m.subject), m.data, m.headers, Number(BigInt(m.info.timestampNanos) / 1_000_000n));
            if (m.info.pending === 0) break;
          }
        }
        await oc.delete().catch(() => undefined);
      }
      stats.catchUps++;
    } catch {
      stats.catchUpFailures++;
      if (attempt < 6 && live()) setTimeout(() => void catchUp(s, attempt + 1), reconnectDelay(attempt, Math.random));
    }
  }

  /** The live subject of a stored one (`$KV.{bucket}.{key}` -> `agentnet.v1.{network}.{key}`). */
  const liveOf = (stored: string) => `${names.root}.${stored.split('.').slice(2).join('.')}`;

  function listen(subject: string, s: Sub): void {
    if (!nc) return;
    s.sub = nc.subscribe(subject, { callback: onMsg });
    if (s.channel !== liveness.channel) return;
    const prefix = `${names.root}.lease.`;
    s.leases = nc.subscribe(`${prefix}${names.keyOf(s.channel, s.key)}`, {
      callback: (err, m) => {
        if (!err && !m.headers?.get('KV-Operation')) liveness.leaseSeen(m.subject.slice(prefix.length));
      },
    });
  }

  // ---- connection
  async function openBuckets(c: NatsConnection): Promise<void> {
    const jo = { timeout: PUT_TIMEOUT_MS, ...(settings.domain ? { domain: settings.domain } : {}) };
    js = jetstream(c, jo);
    jsm = await jetstreamManager(c, jo);
    const kvm = new Kvm(js);
    const size = c.info?.connect_urls?.length ?? 1;
    const replicas = settings.replicas ?? (size >= 3 ? 3 : 1);
    const delayMs = (o.will?.delayS ?? 30) * 1000;
    for (const b of BUCKETS) {
      const name = names.bucket(b);
      const bounds = BUCKET_BOUNDS[b];
      const ttl = b === 'leases' ? delayMs : (bounds as { maxAgeMs: number }).maxAgeMs;
      let bucket: KV;
      try {
        bucket = await kvm.create(name, {
          history: 1,
          replicas,
          max_bytes: bounds.maxBytes,
          maxValueSize: MAX_VALUE_BYTES,
          ...(ttl ? { ttl } : {}),
          republish: names.republish(b),
          description: `agentnet ${o.network}: ${b}`,
        });
      } catch (e) {
        // Created meanwhile by another node with other settings, or no right to create: use it as it is.
        bucket = await kvm.open(name);
        await bucket.status().catch(() => Promise.reject(e)); // not there after all: say why it was not created
      }
      const st = await bucket.status();
      kv[b] = bucket;
      if (b === 'leases') liveDelayMs = st.ttl > 0 ? st.ttl : delayMs;
    }
    liveness.attach({
      names,
      will: o.will,
      delayMs: liveDelayMs,
      wills: kv.wills!,
      leases: kv.leases!,
      js,
      jsm,
      putPrefix,
      relife: () => {
        setState('down');
        void liveness.announce().finally(() => setState('up'));
      },
    });
  }
  let liveDelayMs = (o.will?.delayS ?? 30) * 1000;

  function setState(s: TransportState): void {
    up = s === 'up';
    outbox.up = up;
    for (const cb of stateCbs) cb(s);
  }

  /** Up (first connection or a reconnect): will and lease, the retained reads, what waited. */
  async function onUp(first: boolean): Promise<void> {
    void liveness.announce(); // lease and will, retried in the background until stored
    setState('up');
    if (first) {
      for (const [subject, s] of subs) listen(subject, s);
      watchOwnWill();
    }
    for (const s of subs.values()) {
      void catchUp(s);
      if (s.channel === liveness.channel) void liveness.checkNow(s.key).catch(() => undefined);
    }
    outbox.flush();
  }

  /** Our own will's deletion by a peer: it was executed while we were connected. */
  function watchOwnWill(): void {
    if (!nc || !o.will) return;
    const own = `${names.root}.will.${names.keyOf(o.will.channel, o.will.key)}`;
    nc.subscribe(own, {
      callback: (err, m) => {
        if (!err && m.headers?.get('KV-Operation') === 'DEL') liveness.ownWillGone();
      },
    });
  }

  async function watchStatus(c: NatsConnection): Promise<void> {
    for await (const s of c.status()) {
      if (s.type === 'disconnect' && up) setState('down');
      else if (s.type === 'reconnect') {
        reconnects++;
        await onUp(false);
      }
    }
  }

  const started = (async () => {
    const t0 = Date.now();
    for (let attempt = 0; !closing; attempt++) {
      let c: NatsConnection | undefined;
      try {
        c = await connect({
          servers: settings.servers,
          name: `agentnet-${o.clientId}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
          pingInterval: 10_000,
          maxPingOut: 3,
          timeout: Math.min(connectTimeoutMs, 20_000),
          ...settings.connect,
        } as ConnectionOptions);
        if (closing) return void (await c.close());
        await openBuckets(c);
        nc = c;
        outbox.attach(c, js!);
        void watchStatus(c);
        void c.closed().then(() => {
          if (!closing) setState('down');
        });
        await onUp(true);
        return;
      } catch (e) {
        lastError = e;
        await c?.close().catch(() => undefined);
        if (Date.now() - t0 > connectTimeoutMs) return;
        await new Promise((r) => setTimeout(r, reconnectDelay(attempt, Math.random)));
      }
    }
  })();

  return {
    url,
    publish(channel, key, bytes, p) {
      const store = names.storeOf(channel, key);
      // Retained channels are always retained (the core never sends them otherwise).
      if (store) outbox.put(store, bytes, p.expiryMs);
      else outbox.live(names.subjectOf(channel, key), bytes);
    },
    subscribe(channel, key) {
      const subject = names.subjectOf(channel, key);
      let s = subs.get(subject);
      if (!s) {
        const store = names.storeOf(channel, key);
        subs.set(subject, (s = { channel, key, ...(store ? { store } : {}) }));
        listen(subject, s);
        if (channel === liveness.channel) liveness.watch(key);
      }
      if (up) {
        // As an MQTT broker does, a subscribe sends the stored values again, even when already subscribed.
        void catchUp(s);
        if (channel === liveness.channel) void liveness.checkNow(key).catch(() => undefined);
      }
    },
    unsubscribe(channel, key) {
      const subject = names.subjectOf(channel, key);
      const s = subs.get(subject);
      if (!s) return;
      s.sub?.unsubscribe();
      s.leases?.unsubscribe();
      subs.delete(subject);
      if (channel === liveness.channel) liveness.unwatch(key);
    },
    onMessage(cb) {
      msgCbs.push(cb);
    },
    onState(cb) {
      stateCbs.push(cb);
    },
    async ready() {
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), connectTimeoutMs).unref());
      await Promise.race([started, timeout]);
      if (!nc)
        throw ERR.transportFailed(
          `no NATS connection with JetStream to ${url} within ${connectTimeoutMs} ms` +
            (lastError ? `: ${(lastError as Error).message}` : ''),
        );
    },
    async close() {
      closing = true;
      const c = nc;
      if (!c) return;
      // A clean stop: the retained values still waiting go out, then the signed death (our Will), and
      // lease and will are removed; drain then sends what is queued and closes.
      await Promise.race([
        (async () => {
          await outbox.close();
          await liveness.close(async (death) => {
            if (!o.will) return;
            const subject = names.storeOf(o.will.channel, o.will.key)!;
            await js!.publish(`${putPrefix}${subject}`, death, { timeout: PUT_TIMEOUT_MS });
          });
        })().catch(() => undefined),
        new Promise((r) => setTimeout(r, PUT_TIMEOUT_MS)),
      ]);
      liveness.stopRefresh();
      // drain waits for the server to flush every subscription; a server that is gone or stalled must not
      // hold the stop: after DRAIN_MS the connection is closed as it is.
      const drained = c.drain().catch(() => undefined);
      const t = new Promise<'late'>((r) => setTimeout(() => r('late'), DRAIN_MS).unref());
      if ((await Promise.race([drained, t])) === 'late') await c.close().catch(() => undefined);
    },
    stats() {
      return {
        server: nc?.getServer() ?? '',
        reconnects,
        ...stats,
        ...outbox.stats,
        retainedPending: outbox.waiting,
        willsExecuted: liveness.executed,
        leasesWatched: liveness.watching,
        leaseFailures: liveness.leaseFailures,
      };
    },
  };
}
