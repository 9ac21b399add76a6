// A task message in a batch whose store transaction rolls back (STORE_FULL): the task engine re-reads its records
// (NodeCore.rolledBack, docs/decisions.md "The node core"), so no task state of that batch is left in memory or
// in the database, and the driver's retry of the batch produces it exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { decodeDirect, encodeDirect } from '../../src/core/codec/messages.js';
import { decodeTaskMsg } from '../../src/core/codec/task.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { NodeCore } from '../../src/core/node/node-core.js';
import type { TaskEvent } from '../../src/core/task/engine.js';
import { Driver } from '../../src/runtime/driver.js';
import { ERR } from '../../src/runtime/errors.js';
import { SqliteCreditLedger, SqliteTaskStore } from '../../src/runtime/store/credit-ledger.js';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';
import { MemoryHub, createMemoryTransport } from '../../src/runtime/transport/memory.js';
import { SPEC, TaskWorld, testMechanism } from '../market/task-world.js';
import { crypto, identity } from '../helpers.js';
import { settle } from './driver-rig.js';

/** The node's real SQLite store; while `full`, every transaction fails with STORE_FULL after its work (rolled back). */
class FillingStore extends SqliteStore {
  full = false;
  failures = 0;
  override transaction<T>(fn: () => T): T {
    return super.transaction(() => {
      const r = fn();
      if (this.full) {
        this.failures++;
        throw ERR.storeFull('database or disk is full (the test fills it)');
      }
      return r;
    });
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('task engine after a rolled-back batch', () => {
  it('an invitation in a failed batch leaves no task behind; the retried batch makes it once', async () => {
    // The requester: a task engine of its own that invites the worker (its message is taken off its queue).
    const world = new TaskWorld();
    const req = world.add('req');
    const w = identity('worker');
    const workerHex = Buffer.from(w.agentKey).toString('hex');
    world.candidates = [workerHex];
    const posted = req.engine.post(world.now, { ...SPEC, mechanism: testMechanism() });
    const invite = world.queue.shift()!;
    expect(invite.to).toBe(workerHex);

    // The worker: a node core on SQLite with its task engine (records and ledger in the same database), bidding.
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-rollback-'));
    dirs.push(dir);
    const store = new FillingStore(join(dir, 'agentnet.db'));
    const agent = new AgentCore({ crypto, store, agentSecret: w.agentSecret, binding: w.binding });
    const node = new NodeCore({ agent, verifier: crypto.verifier, flood: false });
    const taskStore = new SqliteTaskStore(store);
    const engine = node.useTasks({
      crypto,
      agentSecret: w.agentSecret,
      binding: w.binding,
      store: taskStore,
      logStore: store,
      ledger: new SqliteCreditLedger(store),
      policy: { bid: () => 1000 },
    });
    const hub = new MemoryHub();
    const network = 'rollback';
    const taskEvents: TaskEvent[] = [];
    const driver = new Driver(
      node,
      createMemoryTransport(`memory://${network}`, { network, clientId: 'worker' }, hub),
      store,
      { clock: () => world.now, storeRetryMs: 20, onTaskEvent: (e) => taskEvents.push(e) },
    );
    driver.start(world.now);
    // What the worker sends the requester (its bids), as the requester's transport receives them.
    const requester = createMemoryTransport(`memory://${network}`, { network, clientId: 'req' }, hub);
    const bids: string[] = [];
    requester.onMessage((channel, _key, bytes) => {
      if (channel !== 'direct') return;
      const d = decodeDirect(bytes, DEFAULT_LIMITS);
      if (d.type === 'task' && decodeTaskMsg(d.msg, DEFAULT_LIMITS).msg.type === 'bid') bids.push('bid');
    });
    requester.subscribe('direct', req.hex);
    await requester.ready();

    store.full = true;
    const direct = encodeDirect({ type: 'task', from: req.id.agentKey, msg: invite.bytes });
    requester.publish('direct', workerHex, direct, { retain: false });
    await settle(() => store.failures > 0);
    expect(driver.storeError?.code).toBe('STORE_FULL');
    expect(engine.list()).toEqual([]); // reloaded: the invited record of the failed batch is gone from memory
    expect(taskStore.tasks()).toEqual([]); // and from the database
    expect(taskEvents).toEqual([]); // its events were dropped with it

    store.full = false;
    await settle(() => driver.storeError === undefined && engine.list().length > 0);
    expect(engine.list().map((t) => [t.id, t.role, t.state])).toEqual([[posted.id, 'worker', 'bidding']]);
    expect(taskStore.tasks().map((t) => t.id)).toEqual([posted.id]);
    expect(taskEvents.filter((e) => e.type === 'task' && e.state === 'invited')).toHaveLength(1);
    await settle(() => bids.length > 0);
    expect(bids).toEqual(['bid']);
    await driver.close();
    await requester.close();
    store.close();
  });
});
