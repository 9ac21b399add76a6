// The Transport contract (docs/conventions.md §8), written once and run for every implementation: memory, MQTT over
// the embedded aedes broker, MQTT over the system Mosquitto.

import { afterAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/core/types.js';
import type { Transport } from '../../src/runtime/transport/types.js';

type Got = Array<{ channel: Channel; key: string; bytes: string }>;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for delivery');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const settle = () => new Promise((r) => setTimeout(r, 150));

export function transportContract(
  name: string,
  make: (network: string, clientId: string) => Transport | Promise<Transport>,
  skip = false,
): void {
  describe.skipIf(skip)(`Transport contract: ${name}`, () => {
    const open: Transport[] = [];
    let n = 0;
    const net = `contract-${process.pid}-${Date.now() % 1e6}`;
    const pair = async () => {
      const id = n++;
      const a = await make(`${net}-${id}`, `a${id}-${process.pid}`);
      const b = await make(`${net}-${id}`, `b${id}-${process.pid}`);
      open.push(a, b);
      await Promise.all([a.ready(), b.ready()]);
      const got: Got = [];
      b.onMessage((channel, key, bytes) => got.push({ channel, key, bytes: Buffer.from(bytes).toString('hex') }));
      return { a, b, got };
    };
    afterAll(async () => {
      for (const t of open) await t.close();
    });

    it('delivers a published message to a subscriber, bytes intact, on the right channel and key', async () => {
      const { a, b, got } = await pair();
      b.subscribe('header', 'data_analysis');
      await settle();
      a.publish('header', 'data_analysis', new Uint8Array([0, 1, 255]), { retain: false });
      a.publish('header', 'creative_writing', new Uint8Array([9]), { retain: false });
      await until(() => got.length >= 1);
      await settle();
      expect(got).toEqual([{ channel: 'header', key: 'data_analysis', bytes: '0001ff' }]);
    });

    it('fork proofs: retained per author on the fraud channel, a late x/+ subscriber gets every one', async () => {
      const { a, b, got } = await pair();
      a.publish('fraud', 'ab'.repeat(32), new Uint8Array([7]), { retain: true });
      a.publish('fraud', 'cd'.repeat(32), new Uint8Array([8]), { retain: true });
      await settle();
      b.subscribe('fraud', '+');
      await until(() => got.length >= 2);
      await settle();
      expect(got.map((g) => `${g.channel}/${g.key.slice(0, 2)}/${g.bytes}`).sort()).toEqual([
        'fraud/ab/07',
        'fraud/cd/08',
      ]);
    });

    it('revocations: retained per agent on the revocation channel, live and for a late r/+ subscriber, the latest per agent', async () => {
      const { a, b, got } = await pair();
      a.publish('revocation', 'ab'.repeat(32), new Uint8Array([1]), { retain: true });
      a.publish('revocation', 'ab'.repeat(32), new Uint8Array([2]), { retain: true });
      a.publish('revocation', 'cd'.repeat(32), new Uint8Array([3]), { retain: true });
      a.publish('fraud', 'ef'.repeat(32), new Uint8Array([4]), { retain: true }); // another channel: not delivered
      await settle();
      b.subscribe('revocation', '+');
      await until(() => got.length >= 2);
      await settle();
      expect(got.map((g) => `${g.channel}/${g.key.slice(0, 2)}/${g.bytes}`).sort()).toEqual([
        'revocation/ab/02',
        'revocation/cd/03',
      ]);
      got.length = 0;
      a.publish('revocation', '12'.repeat(32), new Uint8Array([5]), { retain: true });
      await until(() => got.length >= 1);
      await settle();
      expect(got).toEqual([{ channel: 'revocation', key: '12'.repeat(32), bytes: '05' }]);
    });

    it('delivers retained messages to late subscribers, the latest per key', async () => {
      const { a, b, got } = await pair();
      a.publish('body', 'ab'.repeat(32), new Uint8Array([1]), { retain: true, expiryMs: 60_000 });
      a.publish('birth', 'cd'.repeat(32), new Uint8Array([2]), { retain: true });
      a.publish('birth', 'cd'.repeat(32), new Uint8Array([3]), { retain: true });
      await settle();
      b.subscribe('body', 'ab'.repeat(32));
      b.subscribe('birth', 'cd'.repeat(32));
      await until(() => got.length >= 2);
      await settle();
      expect(got.map((g) => g.bytes).sort()).toEqual(['01', '03']);
    });

    it('matches one-level wildcards (frontiers of a topic) and nothing deeper or elsewhere', async () => {
      const { a, b, got } = await pair();
      b.subscribe('frontier', 'data_analysis/+');
      await settle();
      a.publish('frontier', `data_analysis/${'11'.repeat(32)}`, new Uint8Array([4]), { retain: true });
      a.publish('frontier', `creative_writing/${'11'.repeat(32)}`, new Uint8Array([5]), { retain: true });
      await until(() => got.length >= 1);
      await settle();
      expect(got).toEqual([{ channel: 'frontier', key: `data_analysis/${'11'.repeat(32)}`, bytes: '04' }]);
    });

    it('stops delivering after unsubscribe', async () => {
      const { a, b, got } = await pair();
      b.subscribe('direct', 'ee'.repeat(32));
      await settle();
      a.publish('direct', 'ee'.repeat(32), new Uint8Array([6]), { retain: false });
      await until(() => got.length === 1);
      b.unsubscribe('direct', 'ee'.repeat(32));
      await settle();
      a.publish('direct', 'ee'.repeat(32), new Uint8Array([7]), { retain: false });
      await settle();
      expect(got.map((g) => g.bytes)).toEqual(['06']);
    });

    it('carries a 64 KiB body', async () => {
      const { a, b, got } = await pair();
      b.subscribe('body', 'ff'.repeat(32));
      await settle();
      const big = new Uint8Array(64 * 1024).map((_, i) => i & 255);
      a.publish('body', 'ff'.repeat(32), big, { retain: true });
      await until(() => got.length === 1);
      expect(got[0]!.bytes.length).toBe(2 * big.length);
    });
  });
}
