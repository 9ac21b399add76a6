// A LAN of MeshCores (src/core/mesh/mesh.ts) for tests: datagrams delivered synchronously in order, virtual time,
// deterministic random bytes per node, and the same cookie MAC as the runtime's (HMAC-SHA256).

import { createHash, createHmac } from 'node:crypto';
import type { Channel } from '../src/core/channels.js';
import { MeshCore, type MeshEvent } from '../src/core/mesh/mesh.js';
import { COOKIE } from '../src/core/mesh/wire.js';

/** Deterministic bytes from a seed (SHA-256 in counter mode): message ids and fan-out choices. */
function seeded(seed: string) {
  let n = 0;
  return (len: number): Uint8Array => {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i += 32)
      out.set(
        createHash('sha256')
          .update(`${seed}/${n++}`)
          .digest()
          .subarray(0, len - i),
        i,
      );
    return out;
  };
}

const mac = (secret: string) => (addr: string, bucket: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(bucket >>> 0);
  return createHmac('sha256', secret)
    .update(addr, 'utf8')
    .update(b)
    .digest()
    .subarray(0, COOKIE - 4);
};

type Sent = { from: string; to: string; frame: Uint8Array };

export class Lan {
  readonly nodes = new Map<string, MeshCore>();
  readonly events = new Map<string, MeshEvent[]>();
  readonly sent: Sent[] = [];
  now = 1_800_000_000_000;
  /** Addresses whose datagrams are lost (in both directions). */
  readonly down = new Set<string>();

  add(addr: string, seeds: string[], will?: { channel: Channel; key: string }, degree = 6): MeshCore {
    const m = new MeshCore(
      { seeds, degree, maxMessage: 4096, ...(will ? { will } : {}) },
      { randomBytes: seeded(addr), cookieMac: mac(`secret-${addr}`) },
    );
    m.bound(addr);
    this.nodes.set(addr, m);
    this.events.set(addr, []);
    return m;
  }

  /** Delivers every polled frame, in order, until no node has anything to send. */
  run(): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let moved = false;
      for (const [addr, m] of this.nodes) {
        for (let e = m.pollEvent(); e; e = m.pollEvent()) this.events.get(addr)!.push(e);
        for (let t = m.pollTransmit(); t; t = m.pollTransmit()) {
          moved = true;
          this.sent.push({ from: addr, to: t.to, frame: t.frame });
          if (this.down.has(addr) || this.down.has(t.to)) continue;
          this.nodes.get(t.to)?.handleDatagram(this.now, addr, t.frame);
        }
      }
      if (!moved) return;
    }
    throw new Error('Lan: no quiescence');
  }

  beat(ms = 1000): void {
    this.now += ms;
    for (const [addr, m] of this.nodes) if (!this.down.has(addr)) m.heartbeat(this.now);
    this.run();
  }

  messages(addr: string, channel?: Channel): Array<{ channel: Channel; key: string; bytes: Uint8Array }> {
    return this.events
      .get(addr)!
      .flatMap((e) => (e.type === 'message' && (!channel || e.channel === channel) ? [e] : []));
  }
}
