// A node whose broker went down may have been declared dead by its own Will (a broker that shuts down
// publishes the Wills of the connections it drops). Regression for a defect found by the broker-outage
// test (test/reliability/outage.test.ts): the birth republished on reconnect carried the same time as
// that Will, the tie went to the death, and every peer dropped the node's candidates for good.

import { describe, expect, it } from 'vitest';
import { TestNet } from '../harness.js';
import { identity, T0 } from '../helpers.js';

describe("AgentCore: a birth after a reconnect outranks the last connection's Will", () => {
  it("republish with a later bornAt revives the node at its peers; the new life's own Will still kills it", () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    const bob = net.add(identity('bob'));
    alice.follow('data_analysis');
    bob.announce(net.now, { kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'sql' });
    net.run(); // alice fetched bob's birth (and keeps its subscription): she sees his deaths
    expect(alice.isAlive(bob.agentHex)).toBe(true);
    net.inject('birth', bob.agentHex, bob.willMessage(T0), true); // the broker went down and sent bob's Will
    expect(alice.isAlive(bob.agentHex)).toBe(false);
    bob.republish(T0 + 5_000); // same life: the tie goes to the death
    net.run();
    expect(alice.isAlive(bob.agentHex)).toBe(false);
    bob.republish(T0 + 5_000, T0 + 4_000); // the reconnect's new life
    net.run();
    expect(alice.isAlive(bob.agentHex)).toBe(true);
    net.inject('birth', bob.agentHex, bob.willMessage(T0), true); // a late copy of the old Will changes nothing
    expect(alice.isAlive(bob.agentHex)).toBe(true);
    net.inject('birth', bob.agentHex, bob.willMessage(T0 + 4_000), true); // this connection's Will does
    expect(alice.isAlive(bob.agentHex)).toBe(false);
    expect(() => bob.republish(T0 + 6_000, T0 + 1_000)).toThrow(RangeError);
  });
});
