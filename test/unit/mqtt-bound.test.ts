// The client side bound on incoming MQTT packets (runtime/transport/mqtt-bound.ts): packets within the
// bound reach mqtt-packet's parser byte for byte, however the stream is cut into chunks; larger ones are
// skipped unread (a QoS 1 publish acknowledged with a PUBACK) and reported.

import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketBound } from '../../src/runtime/transport/mqtt-bound.js';

const publish = (topic: string, size: number, qos: 0 | 1, messageId = 7, protocolVersion = 4): Buffer =>
  mqttPacket.generate(
    {
      cmd: 'publish',
      topic,
      payload: Buffer.alloc(size, 0x61),
      qos,
      dup: false,
      retain: false,
      ...(qos ? { messageId } : {}),
    } as mqttPacket.IPublishPacket,
    { protocolVersion },
  );

/** Feeds `stream` in chunks of `cut` bytes; returns what passed, the acks and the drops. */
function run(bound: PacketBound, stream: Buffer, cut: number) {
  const pass: Buffer[] = [];
  const acks: Buffer[] = [];
  const dropped: Array<{ topic: string | undefined; bytes: number }> = [];
  for (let i = 0; i < stream.length; i += cut) {
    const r = bound.feed(stream.subarray(i, i + cut));
    pass.push(...r.pass);
    acks.push(...r.acks);
    dropped.push(...r.dropped);
  }
  return { pass: Buffer.concat(pass), acks, dropped };
}

describe('PacketBound', () => {
  const small1 = publish('agentnet/v1/n/h/t', 100, 1, 1);
  const big = publish('agentnet/v1/n/b/abc', 300_000, 1, 42);
  const small2 = publish('agentnet/v1/n/f/t/a', 2000, 0);
  const big0 = publish('agentnet/v1/n/h/t', 200_000, 0);
  const ping = Buffer.from([0xd0, 0x00]);
  const stream = Buffer.concat([small1, big, ping, small2, big0, small1]);
  const expected = Buffer.concat([small1, ping, small2, small1]);

  for (const cut of [1, 2, 3, 7, 1000, 65_536, stream.length])
    it(`passes what is within the bound unchanged and skips the rest (chunks of ${cut} bytes)`, () => {
      const r = run(new PacketBound(4096), stream, cut);
      expect(r.pass.equals(expected)).toBe(true);
      expect(r.acks).toEqual([Buffer.from([0x40, 0x02, 0x00, 42])]); // the QoS 1 one; QoS 0 needs none
      expect(r.dropped).toEqual([
        { type: 3, topic: 'agentnet/v1/n/b/abc', bytes: big.length },
        { type: 3, topic: 'agentnet/v1/n/h/t', bytes: big0.length },
      ]);
      // What passed parses as the packets that were within the bound.
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const got: string[] = [];
      parser.on('packet', (p) => got.push(p.cmd));
      parser.parse(r.pass);
      expect(got).toEqual(['publish', 'pingresp', 'publish', 'publish']);
    });

  it('reads MQTT 5 publishes (properties after the packet id) the same way', () => {
    const b5 = publish('agentnet/v1/n/h/t', 50_000, 1, 0x1234, 5);
    const s5 = publish('agentnet/v1/n/h/t', 10, 1, 3, 5);
    const r = run(new PacketBound(1024), Buffer.concat([b5, s5]), 999);
    expect(r.pass.equals(s5)).toBe(true);
    expect(r.acks).toEqual([Buffer.from([0x40, 0x02, 0x12, 0x34])]);
  });

  it('a packet exactly at the bound passes; one byte more is skipped', () => {
    const p = publish('t', 500, 0);
    expect(run(new PacketBound(p.length), p, 100).pass.equals(p)).toBe(true);
    expect(run(new PacketBound(p.length - 1), p, 100).dropped).toHaveLength(1);
  });

  it('a stream that is not MQTT (Remaining Length over 4 bytes) passes unchanged, for the parser to refuse', () => {
    const junk = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 2, 3]);
    expect(run(new PacketBound(1024), junk, 4).pass.equals(junk)).toBe(true);
    expect(() => new PacketBound(10)).toThrow(RangeError);
  });
});
