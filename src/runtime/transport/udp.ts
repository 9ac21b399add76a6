// UDP LAN mesh transport (docs/architecture.md §5), for nodes on one LAN with no broker. `udp://HOST:PORT?peers=h:p,h:p`
// binds HOST:PORT; `peers` are seeds (any node of the mesh); more neighbours are learned from beacons.
//
// This file is the socket driver only: the gossip logic (who to forward to, dedup, the retained cache, pulls,
// address validation, neighbour liveness) is the sans-I/O MeshCore (src/core/mesh/mesh.ts, with its semantics
// in the header), and the bytes are src/core/mesh/wire.ts. The driver binds the socket, feeds it datagrams
// and a heartbeat every HEARTBEAT_MS with the real clock, sends what it polls, and hands its events to the node.
// A message is at most `maxMessageBytes` (the profile's message limit) plus 512 bytes of framing (`?max=`
// overrides). On close() the node's will (the signed death) is pushed like a retained publish, since no broker
// publishes it, and the datagrams get up to a second to leave.

import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { Channel } from '../../core/channels.js';
import { ERR } from '../errors.js';
import { HEARTBEAT_MS, MeshCore } from '../../core/mesh/mesh.js';
import { COOKIE, MTU } from '../../core/mesh/wire.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type PublishOptions,
  type Transport,
  type TransportOptions,
  type TransportState,
} from './types.js';

export interface UdpTransport extends Transport {
  neighbours(): string[];
  localAddress(): string;
}

interface UdpConfig {
  readonly host: string;
  readonly port: number;
  readonly seeds: string[];
  readonly maxMessage: number;
  readonly degree: number;
}

/** The URL's address, seeds and bounds; bad values are misuse (TypeError, RangeError). */
function parseUdpUrl(url: string, o: TransportOptions): UdpConfig {
  const u = new URL(url);
  const seeds = (u.searchParams.get('peers') ?? '').split(',').filter(Boolean);
  for (const s of seeds)
    if (!/^[^:]+:\d+$/.test(s)) throw new TypeError(`udp transport: peer ${JSON.stringify(s)} is not host:port`);
  const maxMessage = Number(u.searchParams.get('max') ?? (o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) + 512);
  if (!Number.isSafeInteger(maxMessage) || maxMessage < MTU)
    throw new RangeError(`udp transport: max ${maxMessage} must be an integer >= ${MTU}`);
  return { host: u.hostname || '0.0.0.0', port: Number(u.port || 0), seeds, maxMessage, degree: o.degree ?? 6 };
}

/** The cookie MAC: HMAC-SHA256 under a per-process secret, first 12 bytes. */
function hmacCookies(): (addr: string, bucket: number) => Uint8Array {
  const secret = randomBytes(32);
  return (addr, bucket) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(bucket >>> 0);
    return createHmac('sha256', secret)
      .update(addr, 'utf8')
      .update(b)
      .digest()
      .subarray(0, COOKIE - 4);
  };
}

/** Listeners of the transport's outputs. */
class Listeners {
  readonly msg: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  readonly state: Array<(s: TransportState) => void> = [];
  readonly peer: Array<(c: Channel, k: string, reachable: boolean) => void> = [];
  readonly oversize: Array<(c: Channel, k: string, n: number) => void> = [];
}

export function createUdpTransport(url: string, o: TransportOptions): UdpTransport {
  const cfg = parseUdpUrl(url, o);
  const mesh = new MeshCore(
    { seeds: cfg.seeds, degree: cfg.degree, maxMessage: cfg.maxMessage, ...(o.will ? { will: o.will } : {}) },
    { randomBytes: (n) => randomBytes(n), cookieMac: hmacCookies() },
  );
  const sock: Socket = createSocket({ type: 'udp4', reuseAddr: false });
  const on = new Listeners();
  const io = new SocketIo(sock, mesh, on);
  let timer: NodeJS.Timeout | undefined;
  let readyResolve: () => void;
  let readyReject: (e: unknown) => void;
  const readyP = new Promise<void>((res, rej) => ((readyResolve = res), (readyReject = rej)));

  sock.on('message', (f, rinfo) => {
    mesh.handleDatagram(Date.now(), `${rinfo.address}:${rinfo.port}`, f);
    io.flush();
  });
  sock.on('error', (e) => {
    if (!io.self) readyReject(ERR.transportFailed(`udp transport: cannot bind ${cfg.host}:${cfg.port}`, e));
  });
  const beat = () => {
    mesh.heartbeat(Date.now());
    io.flush();
  };
  sock.bind(cfg.port, cfg.host, () => {
    io.self = `${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${sock.address().port}`;
    mesh.bound(io.self);
    beat();
    timer = setInterval(beat, HEARTBEAT_MS);
    timer.unref();
    readyResolve();
    for (const cb of on.state) cb('up');
  });

  return {
    url,
    publish(channel, key, bytes, p: PublishOptions) {
      mesh.publish(Date.now(), channel, key, bytes, p.retain, p.expiryMs);
      io.flush();
    },
    subscribe(channel, key) {
      mesh.subscribe(Date.now(), channel, key);
      io.flush(true); // local retained copies reach the core after this call, as a broker's would
    },
    unsubscribe(channel, key) {
      mesh.unsubscribe(channel, key);
    },
    onMessage: (cb) => void on.msg.push(cb),
    onPeer: (cb) => void on.peer.push(cb),
    onOversize: (cb) => void on.oversize.push(cb),
    onState(cb) {
      on.state.push(cb);
      if (io.self) queueMicrotask(() => cb('up'));
    },
    ready: () => readyP,
    async close() {
      if (o.will && io.self && !io.closed) {
        mesh.leave(Date.now(), typeof o.will.bytes === 'function' ? o.will.bytes() : o.will.bytes);
        io.flush();
        await io.drained(1000);
      }
      io.closed = true;
      if (timer) clearInterval(timer);
      await new Promise<void>((r) => sock.close(() => r()));
    },
    stats: () => mesh.stats(),
    /** For tests and status: the current neighbour addresses and our own. */
    neighbours: () => mesh.neighbours(),
    localAddress: () => io.self,
  } as UdpTransport;
}

/** Sends what the mesh core polled and hands its events to the listeners; counts datagrams not sent yet. */
class SocketIo {
  self = '';
  closed = false;
  private inflight = 0;
  private onDrained: (() => void) | undefined;

  constructor(
    private readonly sock: Socket,
    private readonly mesh: MeshCore,
    private readonly on: Listeners,
  ) {}

  /** Sends every polled frame; events now, or each in a later microtask (`later`: inside a call of the node). */
  flush(later = false): void {
    for (let t = this.mesh.pollTransmit(); t; t = this.mesh.pollTransmit()) this.send(t.to, t.frame);
    for (let e = this.mesh.pollEvent(); e; e = this.mesh.pollEvent()) {
      const ev = e;
      const run = () => {
        if (ev.type === 'message') for (const cb of this.on.msg) cb(ev.channel, ev.key, ev.bytes);
        else if (ev.type === 'peer') for (const cb of this.on.peer) cb(ev.channel, ev.key, ev.reachable);
        else for (const cb of this.on.oversize) cb(ev.channel, ev.key, ev.bytes);
      };
      if (later) queueMicrotask(run);
      else run();
    }
  }

  /** Resolves once every datagram handed to the socket has left, or after `ms`. */
  drained(ms: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise<void>((r) => ((this.onDrained = r), setTimeout(r, ms).unref()));
  }

  private send(to: string, frame: Uint8Array): void {
    if (this.closed) return;
    const i = to.lastIndexOf(':');
    this.inflight++;
    this.sock.send(frame, Number(to.slice(i + 1)), to.slice(0, i), () => {
      if (--this.inflight === 0) this.onDrained?.();
    });
  }
}
