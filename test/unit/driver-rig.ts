// A daemon Driver around alice's AgentCore on a memory hub, with bob (an identity whose binding alice has
// from his birth) publishing on the same hub: for tests of what the driver handles first in one burst.
import { encodeBirth, birthToBeSigned } from '../../src/core/codec/messages.js';
import { AgentCore } from '../../src/core/agent.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { NodeCore } from '../../src/core/node/node-core.js';
import { Driver } from '../../src/runtime/driver.js';
import { MemoryHub, createMemoryTransport } from '../../src/runtime/transport/memory.js';
import { crypto, hex, identity, T0 } from '../helpers.js';

export function driverRig(now: number, network: string, follow: string) {
  const hub = new MemoryHub();
  const bobId = identity('bob');
  const bobHex = hex(bobId.agentKey);
  const store = new MemoryStore();
  const core = new AgentCore({
    crypto,
    store,
    agentSecret: identity('alice').agentSecret,
    binding: identity('alice').binding,
  });
  const rejected: string[] = [];
  const driver = new Driver(
    new NodeCore({ agent: core, verifier: crypto.verifier, flood: false }),
    createMemoryTransport(`memory://${network}`, { network, clientId: 'a' }, hub),
    store,
    { clock: () => now, onEvent: (e) => e.type === 'rejected' && rejected.push(e.reason) },
  );
  driver.start(now);
  driver.call(() => core.follow(follow));
  const bob = createMemoryTransport(`memory://${network}`, { network, clientId: 'b' }, hub);
  const birth = { author: bobId.agentKey, epoch: 0, ts: T0, binding: bobId.binding, alive: true as const };
  driver.call(() =>
    core.handleMessage(
      now,
      'birth',
      bobHex,
      encodeBirth(birth, crypto.signer.sign(bobId.agentSecret, birthToBeSigned(birth))),
    ),
  );
  return { core, store, driver, bob, bobId, bobHex, rejected };
}

/** Polls `cond` every 10 ms, up to 5 s, then lets the rest of the driver's current batch run. */
export async function settle(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setImmediate(r));
}
