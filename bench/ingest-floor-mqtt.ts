// A minimal MQTT 3.1.1 client on one net.Socket, for the ingest floor (bench/ingest-floor.ts): CONNECT with a clean
// session, SUBSCRIBE at QoS 0, PUBLISH at QoS 1 (PUBACKs counted, nothing kept for a resend), PINGREQ every half
// keep-alive, and a reader that hands each received QoS 0 PUBLISH's topic and payload to a callback. Its own client
// rather than mqtt.js: the floor is what any receiver must do per message, and mqtt.js's stream, session and event
// layers are part of what the node is measured against. Received QoS 1/2 publishes, retained flags and MQTT 5 are
// not needed by the floor: a packet it does not handle is an error (typed), never skipped silently.

import { connect, type Socket } from 'node:net';

export class FloorMqttError extends Error {
  override readonly name = 'FloorMqttError';
}

export interface FloorMqtt {
  subscribe(topic: string): Promise<void>;
  /** QoS 1 publish; the PUBACK is counted (`acked`), not awaited. */
  publish(topic: string, payload: Uint8Array, retain?: boolean): void;
  readonly stats: { published: number; acked: number };
  close(): void;
}

const utf8 = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
};

/** Fixed header (type and flags byte, Remaining Length as MQTT's variable-length integer) before `body`. */
function packet(first: number, ...body: Uint8Array[]): Buffer {
  let len = body.reduce((s, b) => s + b.length, 0);
  const head = [first];
  do {
    let d = len % 128;
    len = Math.floor(len / 128);
    if (len > 0) d |= 128;
    head.push(d);
  } while (len > 0);
  return Buffer.concat([Buffer.from(head), ...body]);
}

/** Connects to `mqtt://host:port` and resolves after the CONNACK. */
export function connectFloorMqtt(
  url: string,
  clientId: string,
  onPublish: (topic: string, payload: Buffer) => void,
): Promise<FloorMqtt> {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new FloorMqttError(`not an mqtt:// URL: ${url}`);
  const keepAliveS = 60;
  const sock: Socket = connect(Number(u.port || 1883), u.hostname || '127.0.0.1');
  sock.setNoDelay(true);
  let nextId = 1;
  const id = (): number => (nextId = nextId >= 0xffff ? 1 : nextId + 1);
  const subacks = new Map<number, () => void>();
  const stats = { published: 0, acked: 0 };
  let rest: Buffer | undefined;
  let ready: (() => void) | undefined;
  let fail: (e: Error) => void = () => undefined;

  const handle = (type: number, flags: number, b: Buffer, s: number, e: number): void => {
    if (type === 3) {
      if ((flags & 6) !== 0) throw new FloorMqttError('received a PUBLISH above QoS 0');
      const tl = b.readUInt16BE(s);
      onPublish(b.toString('utf8', s + 2, s + 2 + tl), b.subarray(s + 2 + tl, e));
    } else if (type === 4) stats.acked++;
    else if (type === 2) {
      if (b[s + 1] !== 0) throw new FloorMqttError(`CONNACK refused: code ${b[s + 1]}`);
      ready?.();
    } else if (type === 9) {
      const pid = b.readUInt16BE(s);
      if (b[s + 2]! >= 0x80) throw new FloorMqttError('SUBSCRIBE refused by the broker');
      subacks.get(pid)?.();
      subacks.delete(pid);
    } else if (type !== 13) throw new FloorMqttError(`unexpected MQTT packet type ${type}`);
  };

  // Reads every whole packet of `buf`; returns the bytes of an incomplete last packet (or undefined).
  const read = (buf: Buffer): Buffer | undefined => {
    let p = 0;
    while (p < buf.length) {
      let len = 0;
      let mul = 1;
      let q = p + 1;
      for (;;) {
        if (q >= buf.length) return buf.subarray(p);
        const d = buf[q++]!;
        len += (d & 127) * mul;
        mul *= 128;
        if ((d & 128) === 0) break;
        if (mul > 128 ** 3) throw new FloorMqttError('malformed Remaining Length');
      }
      if (q + len > buf.length) return buf.subarray(p);
      handle(buf[p]! >> 4, buf[p]! & 15, buf, q, q + len);
      p = q + len;
    }
    return undefined;
  };

  sock.on('data', (chunk: Buffer) => {
    try {
      rest = read(rest ? Buffer.concat([rest, chunk]) : chunk);
    } catch (e) {
      sock.destroy(e as Error);
    }
  });
  const ping = setInterval(() => sock.write(Buffer.from([0xc0, 0])), (keepAliveS * 1000) / 2);
  ping.unref();
  sock.on('error', (e) => fail(e));
  sock.on('close', () => clearInterval(ping));

  const client: FloorMqtt = {
    stats,
    subscribe: (topic) =>
      new Promise((resolve) => {
        const pid = id();
        subacks.set(pid, resolve);
        const pidB = Buffer.from([pid >> 8, pid & 255]);
        sock.write(packet(0x82, pidB, utf8(topic), Buffer.from([0])));
      }),
    publish(topic, payload, retain = false) {
      const pid = id();
      stats.published++;
      sock.write(packet(0x32 | (retain ? 1 : 0), utf8(topic), Buffer.from([pid >> 8, pid & 255]), payload));
    },
    close: () => {
      fail = () => undefined; // a reset by the broker after our DISCONNECT is no error
      sock.end(Buffer.from([0xe0, 0]));
      clearInterval(ping);
    },
  };
  return new Promise((resolve, reject) => {
    fail = reject;
    ready = () => {
      fail = (e) => process.emitWarning(e);
      resolve(client);
    };
    const flags = 0x02; // clean session
    const varHead = Buffer.concat([utf8('MQTT'), Buffer.from([4, flags, keepAliveS >> 8, keepAliveS & 255])]);
    sock.write(packet(0x10, varHead, utf8(clientId)));
  });
}
