// Method "bodyless": the project's protocol, i.e. the daemon's AgentCore unchanged (docs/architecture.md §4-5):
// signed headers pushed by topic narrowcast, bodies pulled by hash from the hub's retained copies,
// births and retained frontiers for cold start, gap repair from the author. Each node keeps its
// MemoryStore across restarts; a capability is announced once (announceOnce on every start), an
// intent lives until the request's deadline (ttl = deadline). The core runs with the daemon's
// heartbeat settings for the default profile (src/runtime/node.ts): 1 s rounds, changed frontiers
// repeated for 2 rounds, a full frontier resync every 60 rounds. Each connection leaves its signed
// death as its MQTT Will with the daemon's 30 s Will Delay (node.ts), as a deployment on an MQTT 5
// broker does: the hub publishes it when the node leaves without coming back within the delay, or at
// once when it comes back with a clean start (its old session ends then). Those deaths are bytes on
// the links like any other (the baselines model no liveness, so they have nothing to count).

import { MemoryStore } from '../../core/log/memory-store.js';
import { MemoryCreditLedger } from '../../core/task/ledger.js';
import { MemoryTaskStore } from '../../core/task/store.js';
import { NodeProc, type NodeProcOptions } from '../net/node-proc.js';
import { SIM_EPOCH } from '../net/identities.js';
import { sharedBindingDecoder } from '../net/intern.js';
import type { Method, RunCtx } from './runner.js';
import { capabilityOf, type Request } from './workload.js';

export const DAEMON_HEARTBEAT = { heartbeatMs: 1_000, frontierRepeats: 2, resyncEvery: 60 } as const;
/** The daemon's Will Delay (src/runtime/node.ts `delayS: 30`), ms. */
export const DAEMON_WILL_DELAY_MS = 30_000;

/** The node core's parts beside discovery a bodyless node can run (src/sim/net/node-proc.ts). */
export const NODE_PARTS = ['gate', 'trust', 'tasks'] as const;
export type NodePart = (typeof NODE_PARTS)[number];

/**
 * `willDelayMs`: leave each connection's death as its Will with this delay; null: no Wills. `parts`: the node
 * core's parts each node runs (default all, as the daemon: the flood gate, trust, the task engine).
 */
export function bodylessMethod(
  willDelayMs: number | null = DAEMON_WILL_DELAY_MS,
  parts: readonly NodePart[] = NODE_PARTS,
): Method {
  /** Intent entry id hex → request id. */
  const intents = new Map<string, number>();
  return {
    name: 'bodyless',
    addNodes(ctx: RunCtx) {
      const bindingDecoder = sharedBindingDecoder(ctx.crypto);
      for (let i = 0; i < ctx.sc.nodes; i++) {
        const store = new MemoryStore();
        // The task engine's ports are kept across restarts, as the log store is.
        const tasks = parts.includes('tasks') && { store: new MemoryTaskStore(), ledger: new MemoryCreditLedger() };
        const procOpts: NodeProcOptions = {
          tasks,
          ...(parts.includes('gate') ? {} : { flood: false as const }),
          ...(parts.includes('trust') ? {} : { trust: false as const }),
          ...(willDelayMs === null ? {} : { willDelayMs }),
        };
        const id = ctx.ids[i]!;
        ctx.world.addNode(
          (io) =>
            new NodeProc(
              io,
              {
                crypto: ctx.crypto,
                store,
                agentSecret: id.agentSecret,
                binding: id.binding,
                bindingDecoder,
                ...DAEMON_HEARTBEAT,
              },
              {
                onStart: (core, now) =>
                  void core.announceOnce(SIM_EPOCH + now, { kind: 'capability', ...capabilityOf(i) }),
                onEvent: (e) => {
                  if (e.type !== 'discovered') return;
                  const req = intents.get(e.intent);
                  const provider = ctx.byKey.get(e.author);
                  if (req !== undefined && provider !== undefined) ctx.found(req, provider);
                },
              },
              procOpts,
            ),
        );
      }
    },
    request(ctx: RunCtx, r: Request) {
      // announce() cannot complete a discovery by itself (the first replies arrive later), so the
      // intent id is known before any event that names it.
      ctx.world.act(r.node, (p) => {
        const { id } = (p as NodeProc).act(ctx.world.now, (core, now) =>
          core.announce(now, { kind: 'intent', topic: r.topic, tags: r.tags, text: r.text, ttlMs: ctx.sc.deadlineMs }),
        );
        intents.set(id, r.id);
      });
    },
  };
}
