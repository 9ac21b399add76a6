// QoS 0 publishes read off the socket without mqtt.js (runtime/transport/mqtt-publish.ts, the bound's `publish0`
// in mqtt-bound.ts): every packet is a real mqtt-packet encoding, and what is read is compared with what
// mqtt-packet's own parser reads from the same bytes; packets the reader leaves to mqtt.js pass byte for byte.

import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketBound } from '../../src/runtime/transport/mqtt-bound.js';
import { readPublish0 } from '../../src/runtime/transport/mqtt-publish.js';

type Props = mqttPacket.IPublishPacket['properties'];

const publish = (
  topic: string,
  payload: Buffer,
  o: { qos?: 0 | 1; version?: 4 | 5; properties?: Props; retain?: boolean } = {},
): Buffer =>
  mqttPacket.generate(
    {
      cmd: 'publish',
      topic,
      payload,
      qos: o.qos ?? 0,
      dup: false,
      retain: o.retain ?? false,
      ...(o.qos ? { messageId: 9 } : {}),
      ...(o.properties ? { properties: o.properties } : {}),
    } as mqttPacket.IPublishPacket,
    { protocolVersion: o.version ?? 4 },
  );

/** What mqtt-packet's parser reads from `bytes`. */
function parsed(bytes: Buffer, version: 4 | 5): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const out: mqttPacket.Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => out.push(p));
  parser.on('error', (e) => errors.push(e));
  parser.parse(bytes);
  expect(errors).toEqual([]);
  return out;
}

/** The fixed header's length: the type byte and the Remaining Length's bytes. */
const headLen = (p: Buffer): number => {
  let k = 1;
  while (p[k]! & 0x80) k++;
  return k + 1;
};

/** readPublish0 over a whole packet: topic and payload, or undefined. */
function read(p: Buffer, version: 4 | 5) {
  const r = readPublish0(p, headLen(p), p.length, version);
  return r && { topic: r.topic, payload: p.subarray(r.payloadStart) };
}

const body = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
const topic = 'agentnet/v1/net/h/topic-é';

describe('readPublish0', () => {
  const v5props: Array<[string, Props]> = [
    ['none', undefined],
    ['message expiry', { messageExpiryInterval: 3600 }],
    ['payload format and content type', { payloadFormatIndicator: true, contentType: 'application/cbor' }],
    ['response topic and correlation data', { responseTopic: 'r/t', correlationData: Buffer.from([1, 2, 3]) }],
    ['user properties, one repeated', { userProperties: { a: 'b', c: ['d', 'e'] } }],
    ['subscription identifiers', { subscriptionIdentifier: [1, 200_000] }],
    [
      'all of them',
      {
        payloadFormatIndicator: false,
        messageExpiryInterval: 1,
        contentType: 'x',
        responseTopic: 'y',
        correlationData: Buffer.alloc(0),
        userProperties: { k: 'v' },
        subscriptionIdentifier: 5,
      },
    ],
  ];
  for (const [name, properties] of v5props)
    it(`reads an MQTT 5 publish as mqtt-packet does (properties: ${name})`, () => {
      const p = publish(topic, body, { version: 5, properties, retain: true });
      const [want] = parsed(p, 5) as [mqttPacket.IPublishPacket];
      expect(read(p, 5)).toEqual({ topic: want.topic, payload: want.payload });
    });

  for (const size of [0, 1, 127, 128, 16_384, 70_000])
    it(`reads an MQTT 3.1.1 publish as mqtt-packet does (payload of ${size} bytes)`, () => {
      const p = publish(topic, Buffer.alloc(size, 7), { version: 4 });
      const [want] = parsed(p, 4) as [mqttPacket.IPublishPacket];
      expect(read(p, 4)).toEqual({ topic: want.topic, payload: want.payload });
    });

  it('leaves a topic alias and an empty topic to mqtt.js', () => {
    expect(read(publish(topic, body, { version: 5, properties: { topicAlias: 3 } }), 5)).toBeUndefined();
    expect(read(publish('', body, { version: 5, properties: { topicAlias: 3 } }), 5)).toBeUndefined();
    // The same bytes with a QoS 0 3.1.1 header and an empty topic.
    expect(readPublish0(Buffer.from([0, 0, 1, 2]), 0, 4, 4)).toBeUndefined();
  });

  it('refuses a property it does not know, and lengths past the packet', () => {
    // Topic "t", properties of length 2: identifier 0x7f (no such property), one byte.
    expect(readPublish0(Buffer.from([0, 1, 0x74, 2, 0x7f, 0, 9]), 0, 7, 5)).toBeUndefined();
    // Topic length 5 with 2 bytes of topic.
    expect(readPublish0(Buffer.from([0, 5, 0x74, 0x74]), 0, 4, 4)).toBeUndefined();
    // Properties length 9 with 2 bytes left.
    expect(readPublish0(Buffer.from([0, 1, 0x74, 9, 1, 0]), 0, 6, 5)).toBeUndefined();
    // A content type whose length runs past the properties.
    expect(readPublish0(Buffer.from([0, 1, 0x74, 3, 3, 0, 9, 0x41]), 0, 8, 5)).toBeUndefined();
    // A properties length over four bytes.
    expect(readPublish0(Buffer.from([0, 1, 0x74, 0xff, 0xff, 0xff, 0xff, 1]), 0, 8, 5)).toBeUndefined();
  });

  it('never reads past the end it is given, for every cut of a real packet', () => {
    const p = publish(topic, body.subarray(0, 20), {
      version: 5,
      properties: { userProperties: { a: 'b' }, contentType: 'ct', subscriptionIdentifier: 300 },
    });
    const h = headLen(p);
    for (let end = h; end <= p.length; end++) {
      const r = readPublish0(p, h, end, 5);
      if (r) expect(r.payloadStart).toBeLessThanOrEqual(end);
    }
  });
});

describe('PacketBound with QoS 0 publishes read in the bound', () => {
  const v = 5 as const;
  const a = publish('agentnet/v1/n/h/a', body, { version: v, properties: { messageExpiryInterval: 60 } });
  const big = publish('agentnet/v1/n/b/x', Buffer.alloc(300_000, 1), { version: v });
  const q1 = publish('agentnet/v1/n/h/q', body, { version: v, qos: 1 });
  const alias = publish('agentnet/v1/n/h/alias', body, { version: v, properties: { topicAlias: 2 } });
  const ping = Buffer.from([0xd0, 0x00]);
  const large = publish('agentnet/v1/n/h/l', Buffer.alloc(70_000, 3), { version: v }); // spans 64 KiB reads
  const stream = Buffer.concat([a, q1, big, ping, alias, large, a, a]);
  const toMqttJs = Buffer.concat([q1, ping, alias]);

  for (const cut of [1, 2, 3, 7, 1000, 65_536, stream.length])
    it(`hands over QoS 0 publishes and passes every other packet unchanged (chunks of ${cut} bytes)`, () => {
      const bound = new PacketBound(100_000, v);
      const pass: Buffer[] = [];
      const got: Array<{ topic: string; payload: Buffer }> = [];
      const dropped: Array<string | undefined> = [];
      for (let i = 0; i < stream.length; i += cut) {
        // A copy per chunk that is overwritten afterwards, as the socket's reused read buffer is.
        const chunk = Buffer.from(stream.subarray(i, i + cut));
        const r = bound.feed(chunk);
        pass.push(...r.pass.map((b) => Buffer.from(b)));
        got.push(...r.publishes);
        dropped.push(...r.dropped.map((d) => d.topic));
        chunk.fill(0xee);
      }
      expect(Buffer.concat(pass).equals(toMqttJs)).toBe(true);
      expect(parsed(Buffer.concat(pass), v).map((p) => p.cmd)).toEqual(['publish', 'pingresp', 'publish']);
      expect(dropped).toEqual(['agentnet/v1/n/b/x']);
      const want = [a, large, a, a].map((p) => {
        const [w] = parsed(p, v) as [mqttPacket.IPublishPacket];
        return { topic: w.topic, payload: w.payload };
      });
      expect(got).toEqual(want);
    });

  it('without a version every packet within the bound goes to mqtt.js, as before', () => {
    const r = new PacketBound(100_000).feed(Buffer.concat([a, q1, ping]));
    expect(r.publishes).toEqual([]);
    expect(Buffer.concat(r.pass).equals(Buffer.concat([a, q1, ping]))).toBe(true);
  });

  it('reads MQTT 3.1.1 publishes on a 3.1.1 connection', () => {
    const p4 = publish('agentnet/v1/n/h/a', body, { version: 4, retain: true });
    const r = new PacketBound(4096, 4).feed(Buffer.concat([p4, ping, p4]));
    expect(r.publishes.map((m) => m.topic)).toEqual(['agentnet/v1/n/h/a', 'agentnet/v1/n/h/a']);
    expect(r.publishes.every((m) => m.payload.equals(body))).toBe(true);
    expect(Buffer.concat(r.pass).equals(ping)).toBe(true);
  });
});
