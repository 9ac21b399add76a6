// Flood budgets (docs/reliability.md item 5): the token buckets (sans-I/O) and the gate the driver puts in front
// of the core, with real cores, real signatures and a real store.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { encodeDirect } from '../../src/core/codec/messages.js';
import { SignedRate, TokenBuckets } from '../../src/core/gossip/ratelimit.js';
import { Conduct } from '../../src/core/trust/conduct.js';
import { AgentCore } from '../../src/core/agent.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { FloodGate, type FloodLimits } from '../../src/core/gossip/gate.js';
import { parseMessage } from '../../src/core/codec/parsed.js';
import { BatchSignatures } from '../../src/core/identity/batch-signatures.js';
import type { Channel } from '../../src/core/types.js';
import { crypto, directRequest, identity, T0, type TestIdentity } from '../helpers.js';

describe('TokenBuckets', () => {
  it('allows the burst, then the sustained rate, and counts refusals per key', () => {
    const b = new TokenBuckets({ perSecond: 10, burst: 5 });
    const ok = Array.from({ length: 8 }, () => b.take('a', T0)).filter(Boolean).length;
    expect(ok).toBe(5);
    expect(b.refused('a')).toBe(3);
    expect(b.take('b', T0)).toBe(true); // another key has its own bucket
    expect(b.take('a', T0 + 99)).toBe(false); // 0.99 token
    expect(b.take('a', T0 + 100)).toBe(true); // 1 token after 100 ms at 10/s
    expect(b.take('a', T0 + 10_000, 5)).toBe(true); // refilled to the burst, never beyond
    expect(b.take('a', T0 + 10_000)).toBe(false);
    expect(b.top(5)).toEqual([{ key: 'a', refused: 5 }]);
  });

  it('a clock going backwards refills nothing; memory is bounded by maxKeys (LRU)', () => {
    const b = new TokenBuckets({ perSecond: 1, burst: 1 }, 2);
    expect(b.take('a', T0)).toBe(true);
    expect(b.take('a', T0 - 60_000)).toBe(false);
    expect(b.take('a', T0 + 500)).toBe(false); // time is measured from the latest `now` seen
    b.take('b', T0);
    b.take('c', T0); // evicts the least recently used: a
    expect(b.size).toBe(2);
    expect(b.refused('a')).toBe(0);
    expect(() => new TokenBuckets({ perSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});

describe("SignedRate (the entry budget in the author's signed time)", () => {
  it('refuses only the entries that follow one another faster than the budget by their signed timestamps', () => {
    const r = new SignedRate({ perSecond: 2, burst: 3 });
    // Signed 500 ms apart (the budget): never over, whenever they arrive.
    expect(Array.from({ length: 20 }, (_, i) => r.check('a', i + 1, T0 + i * 500)).every(Boolean)).toBe(true);
    // Signed at one instant: the burst, then every further one is over (backdating refills nothing).
    expect(Array.from({ length: 6 }, (_, i) => r.check('b', i + 1, T0))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(r.check('b', 7, T0 - 3_600_000)).toBe(false); // a decreasing timestamp refills nothing either
    expect(r.overTotal).toBe(4);
  });

  it('only the next entry by seq is checked: reordering or gaps never make an honest author fail', () => {
    const r = new SignedRate({ perSecond: 1, burst: 1 });
    const ts = (seq: number) => T0 + seq * 1000;
    expect([5, 4, 3, 2, 1].map((q) => r.check('a', q, ts(q))).every(Boolean)).toBe(true); // newest first: all at or behind
    expect([6, 8, 7, 9].map((q) => r.check('a', q, ts(q))).every(Boolean)).toBe(true); // a gap and a late one
    expect(r.check('b', 1, T0)).toBe(true);
    expect(r.check('b', 3, T0)).toBe(true); // a gap: the spacing of 2 is unknown
    expect(r.check('b', 4, T0)).toBe(false); // but 3 -> 4 at one instant with no token left
    expect(() => new SignedRate({ perSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});

/** A gate in front of `victim`, reading its bindings, log heads and request checks as the node core does. */
function gateOf(victim: AgentCore, limits: FloodLimits, conduct: Conduct): FloodGate {
  return new FloodGate(
    {
      knows: (hex) => victim.verifier.bindingOf(hex) !== undefined,
      logHead: (author, topic) => victim.logHead(author, topic),
      requestRefusal: (now, d) => victim.requestRefusal(now, d),
    },
    limits,
    conduct,
  );
}

/** One message through the gate as the node core hands it over: parsed once, its signatures checked for real. */
function admit(gate: FloodGate, now: number, channel: Channel, bytes: Uint8Array): string | undefined {
  return gate.admit(now, parseMessage(channel, '', bytes, victimLimits), new BatchSignatures(crypto.verifier));
}
const victimLimits = DEFAULT_LIMITS;

describe('FloodGate', () => {
  const TOPIC = 'data_analysis';
  /** An author whose binding `victim` knows, and the headers of its 12 entries, entry i signed at `signedAt(i)`. */
  function publisher(victim: AgentCore, name: string, signedAt: (i: number) => number) {
    const id = identity(name);
    const core = new AgentCore({ crypto, store: new MemoryStore(), agentSecret: id.agentSecret, binding: id.binding });
    core.start(T0);
    expect(victim.verifier.acceptBinding(id.binding, T0).ok).toBe(true);
    const headers: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) {
      core.announce(signedAt(i), { kind: 'capability', topic: TOPIC, tags: ['data.sql'], text: `${name} ${i}` });
      for (let o = core.pollTransmit(); o; o = core.pollTransmit())
        if (o.op === 'publish' && o.channel === 'header') headers.push(o.bytes);
    }
    return { id, core, headers };
  }
  function setup() {
    const victimStore = new MemoryStore();
    const v = identity('victim');
    const victim = new AgentCore({ crypto, store: victimStore, agentSecret: v.agentSecret, binding: v.binding });
    victim.start(T0);
    const { id: f, core: flooder, headers } = publisher(victim, 'flooder', () => T0);
    const conduct = new Conduct({ halfLifeMs: 60_000, halfDebt: 4, maxAuthors: 16 });
    const limits = {
      entries: { perSecond: 1, burst: 4 },
      requests: { perSecond: 1, burst: 2 },
      requestsTotal: { perSecond: 100, burst: 3 },
      peers: 64,
    };
    const gate = gateOf(victim, limits, conduct);
    return { victim, victimStore, flooder, f, headers, gate, conduct, limits, flooderHex: toHex(flooder.agentKey) };
  }

  it('charges new, validly signed entries to their author and refuses beyond the budget', () => {
    const { headers, gate, flooderHex } = setup();
    const refused = headers.map((h) => admit(gate, T0, 'header', h));
    expect(refused.filter((r) => r === undefined)).toHaveLength(4);
    expect(refused.filter((r) => r === flooderHex)).toHaveLength(8);
    expect(gate.top().entries).toEqual([{ key: flooderHex, refused: 8 }]);
    expect(admit(gate, T0 + 1000, 'header', headers[5]!)).toBeUndefined(); // one more token a second later
  });

  it('local conduct: an author whose own signed timestamps break the budget is recorded; its factor falls', () => {
    const { headers, gate, conduct, flooderHex } = setup();
    for (const h of headers) admit(gate, T0, 'header', h); // 12 entries all signed at T0: 8 beyond the burst of 4
    expect(conduct.violations).toBe(8);
    expect(conduct.factor(flooderHex, T0)).toBeCloseTo(1 / (1 + 8 / 4), 12);
    expect(conduct.factor(flooderHex, T0 + 60_000)).toBeCloseTo(1 / (1 + 4 / 4), 12); // one half-life later
    expect(gate.top().signedOver).toBe(8);
  });

  it('local conduct: forged entries claiming an author, replays, and an honest backlog dumped by a relayer lower nothing', () => {
    const { victim, headers, conduct, limits, flooderHex } = setup();
    // A second gate on the same core: the forger's and the relayer's traffic alone.
    const gate = gateOf(victim, limits, conduct);
    for (const h of headers) {
      const forged = h.slice();
      forged[forged.length - 1]! ^= 1;
      for (let i = 0; i < 20; i++) admit(gate, T0, 'header', forged);
    }
    expect(conduct.violations).toBe(0);
    // An honest author's 12 entries signed 1 s apart (its budget), all delivered at once by a relayer: refused
    // at arrival beyond the burst (arrival is the relayer's doing), never a conduct violation (the signatures
    // show 1 entry/s).
    const { core: author, headers: backlog } = publisher(victim, 'honest-author', (i) => T0 + i * 1000);
    const at = T0 + 60_000;
    const refused = backlog.map((b) => admit(gate, at, 'header', b)).filter((r) => r !== undefined);
    expect(refused.length).toBe(8);
    // Reordered (newest first) by the relayer: still nothing attributed.
    const gate2 = gateOf(victim, limits, conduct);
    for (const b of [...backlog].reverse()) admit(gate2, at, 'header', b);
    expect(conduct.violations).toBe(0);
    expect(conduct.factor(toHex(author.agentKey), at)).toBe(1);
    expect(conduct.factor(flooderHex, at)).toBe(1);
  });

  it("nobody can spend an author's budget: replays of stored entries and forged signatures are not charged", () => {
    const { victim, headers, gate } = setup();
    victim.handleMessage(T0, 'header', 'data_analysis', headers[0]!); // stored: head is seq 1
    for (let i = 0; i < 50; i++) expect(admit(gate, T0, 'header', headers[0]!)).toBeUndefined();
    const forged = headers[1]!.slice();
    forged[forged.length - 1]! ^= 1; // signature bit flipped
    for (let i = 0; i < 50; i++) expect(admit(gate, T0, 'header', forged)).toBeUndefined();
    expect(gate.top().entries).toEqual([]);
    expect(headers.slice(1, 5).map((h) => admit(gate, T0, 'header', h))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]); // full budget left
  });

  it('entries inside a direct `entries` message are charged too; signed requests per signer and in total', () => {
    const { victim, f, flooder, headers, gate, flooderHex } = setup();
    const direct = encodeDirect({ type: 'entries', from: flooder.agentKey, entries: headers.slice(0, 6) });
    expect(admit(gate, T0, 'direct', direct)).toBe(flooderHex);
    let ts = T0;
    const pull = (who: TestIdentity, sign = who.agentSecret) =>
      directRequest(who, victim.agentKey, ++ts, { type: 'getBody', bodyHash: new Uint8Array(32) }, sign);
    expect([1, 2, 3].map(() => admit(gate, T0, 'direct', pull(f)))).toEqual([undefined, undefined, flooderHex]);
    const other = identity('other');
    expect(admit(gate, T0, 'direct', pull(other))).toBeUndefined();
    expect(admit(gate, T0, 'direct', pull(other))).toBe('*'); // the shared budget of 3 is spent
    expect(admit(gate, T0, 'direct', new Uint8Array([1, 2, 3]))).toBeUndefined(); // malformed: for the core to reject
  });

  it('forged, misaddressed, replayed and unsigned requests spend no budget (the core refuses them)', () => {
    const { victim, f, gate } = setup();
    const third = identity('third');
    const q = { type: 'getBody', bodyHash: new Uint8Array(32) } as const;
    for (let i = 1; i <= 20; i++) {
      // a request claiming the flooder but signed by another key; one addressed to another node
      expect(
        admit(gate, T0, 'direct', directRequest(f, victim.agentKey, T0 + i, q, third.agentSecret)),
      ).toBeUndefined();
      expect(admit(gate, T0, 'direct', directRequest(f, third.agentKey, T0 + i, q))).toBeUndefined();
      expect(admit(gate, T0, 'direct', encodeDirect({ type: 'getBody', from: f.agentKey, bodyHash: q.bodyHash }))).toBe(
        undefined,
      );
    }
    // A request the victim answered (its ts recorded) replayed: refused by the core, not charged.
    const once = directRequest(f, victim.agentKey, T0 + 100, q);
    expect(admit(gate, T0, 'direct', once)).toBeUndefined();
    victim.handleMessage(T0, 'direct', victim.agentHex, once);
    for (let i = 0; i < 5; i++) expect(admit(gate, T0, 'direct', once)).toBeUndefined();
    expect(gate.top().requests).toEqual([]);
    expect(gate.top().requestsTotal).toBe(0);
  });
});
