// UDP LAN mesh specifics beyond the transport contract (src/runtime/transport/udp.ts), on loopback.

import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { createUdpTransport, type UdpTransport } from '../../src/runtime/transport/udp.js';

const open: UdpTransport[] = [];
afterAll(async () => {
  for (const t of open) await t.close();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const start = async (url: string) => {
  const t = createUdpTransport(url, { network: 'n', clientId: 'c' });
  open.push(t);
  await t.ready();
  return t;
};

describe("UDP mesh: retained items reach neighbours learned from another node's beacon", () => {
  it("a node greets each neighbour with its own retained items on that neighbour's first beacon, even one it knew from a sample", async () => {
    // Found by the multi-process test: nodes started together lose their first pushes and pulls (the
    // seed is not bound yet). B and C then learn each other only from the seed's beacon sample, and a
    // neighbour known from a sample was never greeted, so B never got C's birth.
    const seedPort = await freePort();
    const b = await start(`udp://127.0.0.1:0?peers=127.0.0.1:${seedPort}`);
    const got: string[] = [];
    b.onMessage(
      (channel, key, bytes) => channel === 'birth' && got.push(`${key}=${Buffer.from(bytes).toString('hex')}`),
    );
    b.subscribe('birth', '+'); // its pull goes to the seed, which is not there yet: lost
    const c = await start(`udp://127.0.0.1:0?peers=127.0.0.1:${seedPort}`);
    c.publish('birth', 'cc'.repeat(32), new Uint8Array([7, 7]), { retain: true }); // pushed to the absent seed: lost
    await start(`udp://127.0.0.1:${seedPort}`);
    await until(() => b.neighbours().includes(c.localAddress()) && c.neighbours().includes(b.localAddress()), 15_000);
    await until(() => got.length > 0, 15_000);
    expect(got).toEqual([`${'cc'.repeat(32)}=0707`]);
  }, 40_000);
});

/** A relay between `aPort` and whoever else talks to it that loses every push and pull (frame types 2, 3). */
async function lossyRelay(aPort: number) {
  const relay = createSocket('udp4');
  await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
  let bPort = 0;
  relay.on('message', (f, rinfo) => {
    if (rinfo.port !== aPort) bPort = rinfo.port;
    if (f[0] === 2 || f[0] === 3) return; // T_PUSH, T_PULL: lost
    relay.send(f, rinfo.port === aPort ? bPort : aPort, '127.0.0.1');
  });
  return relay;
}

describe('UDP mesh: anti-entropy of retained items', () => {
  it('a birth whose push and pull were both lost still reaches a subscribed neighbour (own retained items are re-sent, one neighbour per heartbeat)', async () => {
    // Found by the multi-process test on a loaded machine: one lost push of a frontier left a mesh node
    // a seq behind for good, since nothing re-sent it. Here a relay between A and B drops every push
    // and pull (frame types 2 and 3) and passes beacons and retained replies.
    const a = await start('udp://127.0.0.1:0');
    const relay = await lossyRelay(Number(a.localAddress().split(':')[1]));
    try {
      const b = await start(`udp://127.0.0.1:0?peers=127.0.0.1:${relay.address().port}`);
      const got: string[] = [];
      b.onMessage(
        (channel, key, bytes) => channel === 'birth' && got.push(`${key}=${Buffer.from(bytes).toString('hex')}`),
      );
      b.subscribe('birth', '+');
      await until(() => a.neighbours().length > 0 && b.neighbours().length > 0, 15_000);
      a.publish('birth', 'aa'.repeat(32), new Uint8Array([1]), { retain: true });
      a.publish('birth', 'aa'.repeat(32), new Uint8Array([2]), { retain: true }); // the latest version is what counts
      await until(() => got.includes(`${'aa'.repeat(32)}=02`), 15_000);
      expect(got).toEqual([`${'aa'.repeat(32)}=02`]); // and only once, though re-sent every round
      await new Promise((r) => setTimeout(r, 2500)); // two more rounds: still handed over once
      expect(got).toEqual([`${'aa'.repeat(32)}=02`]);
    } finally {
      relay.close();
    }
  }, 40_000);

  it('keeps its own retained items its own when a neighbour hands a copy back (so it still re-sends them)', async () => {
    // Found by the multi-process test: a node's pull for births/frontiers brought back copies of its
    // own, which replaced them as "someone else's", so it never greeted or refreshed anyone with them.
    const a = await start('udp://127.0.0.1:0');
    const b = await start(`udp://127.0.0.1:0?peers=${a.localAddress()}`);
    await until(() => a.neighbours().includes(b.localAddress()), 15_000);
    a.publish('birth', 'aa'.repeat(32), new Uint8Array([5]), { retain: true }); // b keeps a copy
    const back: string[] = [];
    a.onMessage((channel, key) => channel === 'birth' && back.push(key));
    await until(() => b.stats!().retained === 1, 15_000);
    a.subscribe('birth', '+'); // b answers a's pull with the copy of a's own birth
    await until(() => back.length > 0, 15_000);
    const relay = await lossyRelay(Number(a.localAddress().split(':')[1]));
    try {
      const c = await start(`udp://127.0.0.1:0?peers=127.0.0.1:${relay.address().port}`);
      const got: string[] = [];
      c.onMessage(
        (channel, key, bytes) => channel === 'birth' && got.push(`${key}=${Buffer.from(bytes).toString('hex')}`),
      );
      c.subscribe('birth', '+'); // lost at the relay: only a's greeting or refresh can bring it
      await until(() => got.length > 0, 15_000);
      expect(got).toEqual([`${'aa'.repeat(32)}=05`]);
    } finally {
      relay.close();
    }
  }, 40_000);
});

describe('UDP mesh: the gossip degree comes from the profile (TransportOptions.degree)', () => {
  /** Five plain sockets that beacon to the mesh node (so it takes them as neighbours) and count its pushes. */
  async function listeners(port: number) {
    const socks = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = createSocket('udp4');
        await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
        const got = { pushes: 0, armed: false, beaconsAfter: 0 };
        const beacon = Buffer.alloc(14); // type 1 (beacon), ttl 1, id, chunk 0 of 1, no payload
        beacon[0] = 1;
        beacon[1] = 1;
        beacon.writeUInt16BE(1, 12);
        s.on('message', (f) => {
          if (f[0] === 2) got.pushes++; // T_PUSH
          if (f[0] === 1 && got.armed) got.beaconsAfter++; // a heartbeat beacon sent after the publish
          if (f[0] === 5) {
            // A challenge: echo the cookie (type 6), then beacon again as a validated neighbour.
            const echo = Buffer.from(f);
            echo[0] = 6;
            s.send(echo, port, '127.0.0.1', () => s.send(beacon, port, '127.0.0.1'));
          }
        });
        await new Promise<void>((r) => s.send(beacon, port, '127.0.0.1', () => r()));
        return { s, got };
      }),
    );
    return socks;
  }

  it.each([
    [2, 2], // 5 neighbours > 2·2: a push goes to D = 2 of them
    [3, 5], // 5 neighbours <= 2·3: to all of them
  ])('degree %i: a fresh publish reaches %i of 5 neighbours directly', async (degree, expected) => {
    const t = createUdpTransport('udp://127.0.0.1:0', { network: 'n', clientId: 'c', degree });
    open.push(t);
    await t.ready();
    expect(t.stats!()).toMatchObject({ degree });
    const ls = await listeners(Number(t.localAddress().split(':')[1]));
    await until(() => t.neighbours().length === 5, 5000);
    t.publish('header', 'topic/x', new Uint8Array([1, 2, 3]), { retain: false });
    for (const l of ls) l.got.armed = true;
    // Every neighbour gets a heartbeat beacon every second from the same socket as the push (in order on
    // loopback). The second one after the publish was sent after it: once each has two, every push has arrived.
    await until(() => ls.every((l) => l.got.beaconsAfter >= 2), 5000);
    expect(ls.map((l) => l.got.pushes).sort()).toEqual(
      [...Array(5 - expected).fill(0), ...Array(expected).fill(1)].sort(),
    );
    for (const l of ls) l.s.close();
  });

  it('refuses a degree outside 1..64', () => {
    expect(() => createUdpTransport('udp://127.0.0.1:0', { network: 'n', clientId: 'c', degree: 0 })).toThrow(
      /degree 0 must be 1\.\.64/,
    );
  });
});

describe('UDP mesh: no reflection through unauthenticated frames (address validation)', () => {
  /** A frame of one chunk: type | ttl | id | chunk 0 of 1 | payload. */
  const frame = (type: number, ttl: number, payload: Buffer) => {
    const f = Buffer.alloc(14 + payload.length);
    f[0] = type;
    f[1] = ttl;
    f.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 2);
    f.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 6);
    f.writeUInt16BE(1, 12);
    payload.copy(f, 14);
    return f;
  };
  /** A pull message: channel | key length | key | expiry 0 | reply address (empty: the sender). */
  const pull = (channel: number, key: string, reply = '') => {
    const k = Buffer.from(key);
    return Buffer.concat([Buffer.from([channel, k.length]), k, Buffer.alloc(4), Buffer.from(reply)]);
  };

  it('a beacon and pulls from an address that never echoes get back at most 3x their size; an honest peer still converges', async () => {
    const a = await start('udp://127.0.0.1:0');
    const aPort = Number(a.localAddress().split(':')[1]);
    const agent = 'aa'.repeat(32);
    const birth = new Uint8Array(900).fill(1);
    const frontier = new Uint8Array(900).fill(2);
    a.publish('birth', agent, birth, { retain: true });
    a.publish('frontier', `t/${agent}`, frontier, { retain: true });

    // The victim: a socket that counts what arrives and never answers (a spoofed source looks the same to A).
    const victim = createSocket('udp4');
    await new Promise<void>((r) => victim.bind(0, '127.0.0.1', () => r()));
    const victimAddr = `127.0.0.1:${victim.address().port}`;
    const got = { bytes: 0, frames: 0, types: new Set<number>() };
    victim.on('message', (f) => {
      got.bytes += f.length;
      got.frames++;
      got.types.add(f[0]!);
    });
    // Another unvalidated socket sends pulls naming the victim as the reply address.
    const other = createSocket('udp4');
    await new Promise<void>((r) => other.bind(0, '127.0.0.1', () => r()));
    other.on('message', () => {}); // its own challenges are not the victim's traffic

    const fromVictim = () => [
      frame(1, 1, Buffer.alloc(0)), // a beacon: before, answered with A's frontiers (greeting)
      frame(1, 1, Buffer.from(`127.0.0.1:9,will=n/${'bb'.repeat(32)}`)),
      frame(3, 4, pull(2, '+')), // pull births: before, answered with A's birth
      frame(3, 4, pull(3, `t/+`)), // pull frontiers
    ];
    const naming = () => [frame(3, 4, pull(2, '+', victimAddr)), frame(3, 4, pull(3, 't/+', victimAddr))];
    let sent = 0;
    for (let round = 0; round < 5; round++) {
      for (const f of fromVictim()) {
        sent += f.length;
        await new Promise<void>((r) => victim.send(f, aPort, '127.0.0.1', () => r()));
      }
      for (const f of naming()) {
        sent += f.length;
        await new Promise<void>((r) => other.send(f, aPort, '127.0.0.1', () => r()));
      }
    }
    // An honest peer joins with A as its seed and asks for the same things: it echoes, so it gets them.
    const b = await start(`udp://127.0.0.1:0?peers=${a.localAddress()}`);
    const heard = new Map<string, number>();
    b.onMessage((channel, key, bytes) => heard.set(`${channel}:${key}`, bytes.length));
    b.subscribe('birth', '+');
    b.subscribe('frontier', 't/+');
    await until(() => heard.get(`birth:${agent}`) === 900 && heard.get(`frontier:t/${agent}`) === 900, 15_000);
    // Two more heartbeats: anything A would send the victim later (beacons, anti-entropy) has had its chance.
    await new Promise((r) => setTimeout(r, 2500));
    victim.close();
    other.close();

    const factor = got.bytes / sent;
    console.log(
      `udp reflection: sent ${sent} bytes in ${fromVictim().length * 5 + naming().length * 5} frames; ` +
        `the victim got ${got.bytes} bytes in ${got.frames} frames (types ${[...got.types]}): factor ${factor.toFixed(2)}`,
    );
    expect([...got.types]).toEqual([5]); // challenges only
    expect(got.frames).toBe(fromVictim().length * 5); // one 30-byte challenge per frame from it, none for pulls naming it
    expect(got.bytes).toBe(got.frames * 30);
    expect(factor).toBeLessThanOrEqual(3);
    expect(a.neighbours()).not.toContain(victimAddr); // an unvalidated beacon makes no neighbour
    expect(a.neighbours()).not.toContain('127.0.0.1:9'); // nor does its sample
  }, 40_000);
});
