// Clock skew and replay (docs/reliability.md item 8). Documented tolerance: a peer's entry may be stamped up to
// 5 minutes ahead of the receiver's clock (AgentOptions.clockSkewMs); further ahead is `future`; a live
// header past its expiry is `expired`; a replayed entry is a no-op.

import { describe, expect, it } from 'vitest';
import { TestNet } from '../harness.js';
import { identity, T0 } from '../helpers.js';

const CAP = { kind: 'capability' as const, topic: 'data_analysis', tags: ['data.sql'], text: 'sql', ttlMs: 3600_000 };
const NEED = { kind: 'intent' as const, topic: 'data_analysis', tags: ['data'], text: 'need sql', ttlMs: 3600_000 };

function pair() {
  const net = new TestNet(T0);
  const reader = net.add(identity('reader'));
  const writer = net.add(identity('writer'));
  reader.announce(net.now, NEED);
  net.run();
  return { net, reader, writer };
}

describe('clock skew and replay', () => {
  for (const skewMin of [-5, -2, 2, 4.9]) {
    it(`interoperates with a writer whose clock is ${skewMin} min off`, () => {
      const { net, reader, writer } = pair();
      writer.announce(net.now + skewMin * 60_000, CAP);
      net.run();
      expect(reader.discover({ tags: ['data'] })).toHaveLength(1);
      expect(reader.status().rejected).toEqual({});
    });
  }

  it('rejects an entry stamped more than 5 minutes in the future, naming the reason', () => {
    const { net, reader, writer } = pair();
    writer.announce(net.now + 6 * 60_000, CAP);
    net.run();
    expect(reader.status().rejected['future']).toBeGreaterThanOrEqual(1); // the live header and its repair copy
    expect(reader.discover({ tags: ['data'] })).toHaveLength(0);
  });

  it('rejects a live header that has already expired', () => {
    const { net, reader, writer } = pair();
    writer.announce(net.now - 2 * 3600_000, CAP); // stamped two hours ago with a one-hour ttl
    net.run();
    expect(reader.status().rejected).toMatchObject({ expired: 1 });
  });

  it('a replayed old entry is a no-op', () => {
    const { net, reader, writer } = pair();
    writer.announce(net.now, CAP);
    net.run();
    const entry = net.stores[0]!.get(writer.agentKey, CAP.topic, 0, 1)!;
    const before = { ...reader.status() };
    for (let i = 0; i < 5; i++) net.inject('header', CAP.topic, entry.bytes);
    const after = reader.status();
    expect(after.entries).toBe(before.entries);
    expect(after.discoveries).toBe(before.discoveries);
    expect(after.rejected).toEqual(before.rejected);
  });
});
