// The channel table (src/core/channels.ts) against every mapping that reads it: each row must round-trip through
// the MQTT topics, the NATS subjects and buckets, the UDP mesh's payload, the hub names of the memory transport,
// the simulator and the test harness, and must travel over the memory transport, the bridge and the mesh core.
// A row added to the table without its mapping fails here. The UDP channel bytes are pinned: they are on the wire.

import { describe, expect, it } from 'vitest';
import {
  CHANNEL,
  CHANNEL_PRIORITY,
  CHANNEL_TABLE,
  CHANNELS,
  PUSHED_CHANNELS,
  channelOfWire,
  hubName,
  isChannel,
  isPriority,
  parseHubName,
  type Channel,
} from '../../src/core/channels.js';
import { T_PUSH, decodeMessage, encodeFrames, encodeMessage } from '../../src/core/mesh/wire.js';
import { toHex } from '../../src/core/base/bytes.js';
import { createBridge } from '../../src/runtime/transport/bridge.js';
import { createMemoryTransport } from '../../src/runtime/transport/memory.js';
import { mqttTopic, parseMqttTopic } from '../../src/runtime/transport/mqtt.js';
import { BUCKET_OF, NatsNames } from '../../src/runtime/transport/nats-subjects.js';
import { CHANNEL_LETTER, LETTER_CHANNEL } from '../../src/runtime/transport/types.js';
import { Lan } from '../mesh-lan.js';

const SAMPLE: Record<string, string> = {
  '{topic}': 'weather.eu',
  '{author}': 'ab'.repeat(32),
  '{agent}': 'cd'.repeat(32),
  '{bodyHash}': 'ef'.repeat(32),
  '{requester}': '12'.repeat(32),
  '{worker}': '34'.repeat(32),
};
/** Sample keys of a row, one per shape its `key` column lists (`a | b`). */
const keysOf = (key: string): string[] =>
  key.split(' | ').map((k) => k.replace(/\{[a-zA-Z]+\}/g, (m) => SAMPLE[m] ?? `missing sample for ${m}`));
const payload = (c: string) => new TextEncoder().encode(`payload of ${c}`);
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the channel table', () => {
  it('pins the UDP channel bytes (append-only: these numbers are on the wire)', () => {
    expect(Object.fromEntries(CHANNEL_TABLE.map((r) => [r.name, r.wire]))).toEqual({
      header: 0,
      body: 1,
      birth: 2,
      frontier: 3,
      direct: 4,
      fraud: 5,
      revocation: 6,
    });
    // A message payload and its frame, byte for byte (docs/spec/channels.md "UDP LAN mesh").
    const m = encodeMessage('frontier', 't/ab', new Uint8Array([1, 2]), 10);
    expect(toHex(m)).toBe('0304742f61620000000a0102');
    const f = encodeFrames(T_PUSH, 4, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), m);
    expect(f.map(toHex)).toEqual(['020401020304050607080000000103' + '04742f61620000000a0102']);
  });

  it('pins the MQTT letters, the retained set and the priority', () => {
    expect(CHANNEL_LETTER).toEqual({
      header: 'h',
      body: 'b',
      birth: 'n',
      frontier: 'f',
      direct: 'd',
      fraud: 'x',
      revocation: 'r',
    });
    expect(CHANNELS.filter((c) => CHANNEL[c].retained)).toEqual(['body', 'birth', 'frontier', 'fraud', 'revocation']);
    expect(CHANNELS.filter(isPriority)).toEqual(['fraud', 'revocation']);
    expect(CHANNEL_PRIORITY.header).toBe(1);
    expect(PUSHED_CHANNELS.map((p) => p.channel)).toEqual([
      'header',
      'birth',
      'frontier',
      'direct',
      'fraud',
      'revocation',
    ]);
  });

  it('has unique names, letters and wire bytes, and an `all` filter with one level per key level', () => {
    for (const col of ['name', 'letter', 'wire'] as const)
      expect(new Set(CHANNEL_TABLE.map((r) => r[col])).size).toBe(CHANNEL_TABLE.length);
    for (const r of CHANNEL_TABLE) {
      expect(r.letter).toMatch(/^[a-z]$/);
      expect(LETTER_CHANNEL[r.letter]).toBe(r.name);
      expect(channelOfWire(r.wire)).toBe(r.name);
      for (const k of keysOf(r.key)) expect(k.split('/').length).toBe(r.all.split('/').length);
      expect(isChannel(r.name)).toBe(true);
    }
    expect(channelOfWire(CHANNEL_TABLE.length)).toBeUndefined();
    expect(isChannel('toString')).toBe(false);
  });
});

describe('every transport mapping covers every row', () => {
  const rows = CHANNEL_TABLE.flatMap((r) => keysOf(r.key).map((key) => ({ channel: r.name as Channel, key })));

  it('MQTT topics', () => {
    for (const { channel, key } of rows) {
      const t = mqttTopic('net-1', channel, key);
      expect(t).toBe(`agentnet/v1/net-1/${CHANNEL_LETTER[channel]}/${key}`);
      expect(parseMqttTopic('net-1', t)).toEqual({ channel, key });
      expect(parseMqttTopic('net-2', t)).toBeUndefined();
    }
  });

  it('NATS subjects and KV buckets (a bucket for every retained row, none for a live one)', () => {
    const n = new NatsNames('net.1');
    for (const { channel, key } of rows) {
      expect(n.parse(n.subjectOf(channel, key))).toEqual({ channel, key });
      expect(n.storeOf(channel, key) !== undefined).toBe(CHANNEL[channel].retained);
    }
    expect(Object.keys(BUCKET_OF).sort()).toEqual(CHANNELS.filter((c) => CHANNEL[c].retained).sort());
  });

  it('UDP mesh payloads', () => {
    for (const { channel, key } of rows) {
      const m = decodeMessage(encodeMessage(channel, key, payload(channel), 7));
      expect(m).toEqual({ channel, key, bytes: payload(channel), expiryS: 7 });
    }
  });

  it('hub names (memory transport, simulator, test harness)', () => {
    for (const { channel, key } of rows) expect(parseHubName(hubName(channel, key))).toEqual({ channel, key });
    expect(parseHubName('nochannel/x')).toBeUndefined();
  });

  it('the memory transport carries every row, retained rows to a late subscriber', async () => {
    const o = { network: 'channels', clientId: 'x' };
    const pub = createMemoryTransport('memory://channels-table', o);
    const sub = createMemoryTransport('memory://channels-table', o);
    const got: string[] = [];
    sub.onMessage((c, k) => got.push(`${c} ${k}`));
    for (const r of CHANNEL_TABLE) if (!r.retained) sub.subscribe(r.name, r.all);
    for (const { channel, key } of rows)
      pub.publish(channel, key, payload(channel), { retain: CHANNEL[channel].retained });
    await tick();
    for (const r of CHANNEL_TABLE) if (r.retained) sub.subscribe(r.name, r.all);
    await tick();
    expect(got.sort()).toEqual(rows.map((x) => `${x.channel} ${x.key}`).sort());
  });

  it('the bridge forwards every pushed row to the other network and no body', async () => {
    const o = { network: 'channels', clientId: 'x' };
    const [ha, hb] = ['memory://channels-bridge-a', 'memory://channels-bridge-b'];
    const bridge = createBridge([createMemoryTransport(ha, o), createMemoryTransport(hb, o)]);
    const pub = createMemoryTransport(ha, o);
    const far = createMemoryTransport(hb, o);
    const got: string[] = [];
    far.onMessage((c, k) => got.push(`${c} ${k}`));
    for (const r of CHANNEL_TABLE) far.subscribe(r.name, r.all);
    await tick();
    for (const { channel, key } of rows)
      pub.publish(channel, key, payload(channel), { retain: CHANNEL[channel].retained });
    await tick();
    await tick();
    const pushed = rows.filter((x) => CHANNEL[x.channel].pushed);
    expect(got.sort()).toEqual(pushed.map((x) => `${x.channel} ${x.key}`).sort());
    const forwarded = bridge.stats().forwarded as Record<string, number>;
    expect(Object.keys(forwarded)).toEqual(PUSHED_CHANNELS.map((p) => p.channel));
    for (const p of PUSHED_CHANNELS)
      expect(forwarded[p.channel]).toBe(pushed.filter((x) => x.channel === p.channel).length);
    await bridge.close();
  });

  it('the UDP mesh core carries every row: live rows pushed, retained rows to a late subscriber', () => {
    const lan = new Lan();
    const a = lan.add('10.0.0.1:7000', ['10.0.0.2:7000']);
    const b = lan.add('10.0.0.2:7000', ['10.0.0.1:7000']);
    lan.beat();
    lan.beat();
    lan.beat();
    for (const r of CHANNEL_TABLE) if (!r.retained) b.subscribe(lan.now, r.name, r.all);
    for (const { channel, key } of rows) a.publish(lan.now, channel, key, payload(channel), CHANNEL[channel].retained);
    lan.run();
    for (const r of CHANNEL_TABLE) if (r.retained) b.subscribe(lan.now, r.name, r.all);
    lan.run();
    const got = lan.messages('10.0.0.2:7000').map((m) => `${m.channel} ${m.key}`);
    expect(got.sort()).toEqual(rows.map((x) => `${x.channel} ${x.key}`).sort());
  });
});
