// Runs the daemon's NodeCore (core/node/node-core.ts: AgentCore, flood gate, MG-EigenTrust, task engine; the same
// classes, unchanged) as a simulated node's process (docs/architecture.md §10): maps the core's logical channels
// onto hub names `{channel}/{key}`, hands every delivery to `handleMessages` as a batch of one (the world delivers
// one message per event, in its queue's order, so runs stay deterministic), drains pollTransmit / pollEvent /
// pollTaskEvent after every input, and reports pollTimeout (the agent core's, the task engine's and the trust
// recompute's deadlines) as the node's deadline. Virtual time t is SIM_EPOCH + t on the core's clock, so signed
// timestamps look like real ones.
//
// The parts default to what a daemon runs (runtime/node.ts): the flood gate with DEFAULT_FLOOD_LIMITS, trust
// recomputed every SIM_TRUST_RECOMPUTE_MS with the reference power iteration (the WASM kernel agrees with it to
// 1e-12, docs/architecture.md §7; src/sim loads no WASM), and a task engine on memory ports. An experiment may
// turn each off or change it (NodeProcOptions).

import { AgentCore, type AgentOptions } from '../../core/agent.js';
import { hubName, parseHubName } from '../../core/channels.js';
import type { FloodLimits } from '../../core/gossip/gate.js';
import { NodeCore, type NodeCoreOptions } from '../../core/node/node-core.js';
import type { TaskPartOptions } from '../../core/node/task-part.js';
import type { TrustPartOptions } from '../../core/node/trust-part.js';
import { MemoryCreditLedger, type CreditLedger } from '../../core/task/ledger.js';
import { MemoryTaskStore, type TaskStore } from '../../core/task/store.js';
import type { TaskEvent } from '../../core/task/engine.js';
import { powerIterate } from '../../core/trust/eigentrust.js';
import type { CoreEvent } from '../../core/types.js';
import { SIM_EPOCH } from './identities.js';
import type { NodeIO, Proc } from './world.js';

/**
 * The trust period of the profile whose flood budgets are DEFAULT_FLOOD_LIMITS (rpi4b / cm4,
 * firmware-profiles/rpi4b.json `trustRecomputeMs`), ms.
 */
export const SIM_TRUST_RECOMPUTE_MS = 15_000;

/** The task engine's ports; kept by the caller across restarts like the log store. */
export interface SimTaskPorts {
  readonly store: TaskStore;
  readonly ledger: CreditLedger;
}

export interface NodeProcOptions {
  /** Leave the signed death as the connection's will with this delay (ms), as the daemon does (node.ts). */
  readonly willDelayMs?: number;
  /** Flood budgets (default DEFAULT_FLOOD_LIMITS, the daemon's without a profile); `false`: no gate. */
  readonly flood?: FloodLimits | false;
  /** Trust (default every SIM_TRUST_RECOMPUTE_MS with the reference power iteration); `false`: none. */
  readonly trust?: TrustPartOptions | false;
  /** The task engine's ports (default fresh memory ones, lost at a restart); `false`: no task engine. */
  readonly tasks?: SimTaskPorts | false;
  /** Step 2's decoder of NodeCore (default parseMessage); a simulator shares one across nodes (intern.ts). */
  readonly parse?: NodeCoreOptions['parse'];
  /** The task engine's policy and choices (automatic bid, delivery and rating; award choice; invitations). */
  readonly taskPolicy?: Pick<TaskPartOptions, 'policy' | 'choose' | 'invitees' | 'grant' | 'retryMs'>;
}

export interface NodeProcHooks {
  /** After the node core started (the node's agent announces its declarations here). */
  onStart?(core: AgentCore, now: number): void;
  onEvent?(e: CoreEvent, now: number): void;
  onTaskEvent?(e: TaskEvent, now: number): void;
}

/** A simulated node's process; `core` is its agent core, `node` the node core around it. */
export class NodeProc implements Proc {
  readonly node: NodeCore;
  readonly core: AgentCore;

  constructor(
    private readonly io: NodeIO,
    opts: AgentOptions,
    private readonly hooks: NodeProcHooks = {},
    private readonly procOpts: NodeProcOptions = {},
  ) {
    this.core = new AgentCore(opts);
    const trust = procOpts.trust ?? { recomputeMs: SIM_TRUST_RECOMPUTE_MS, iterate: powerIterate };
    this.node = new NodeCore({
      agent: this.core,
      verifier: opts.crypto.verifier,
      ...(procOpts.flood !== undefined ? { flood: procOpts.flood } : {}),
      ...(trust ? { trust } : {}),
      ...(procOpts.parse ? { parse: procOpts.parse } : {}),
    });
    const ports = procOpts.tasks ?? { store: new MemoryTaskStore(), ledger: new MemoryCreditLedger() };
    if (ports)
      this.node.useTasks({
        crypto: opts.crypto,
        agentSecret: opts.agentSecret,
        binding: opts.binding,
        logStore: opts.store,
        store: ports.store,
        ledger: ports.ledger,
        ...procOpts.taskPolicy,
      });
  }

  start(now: number): void {
    // The will carries this incarnation's birth time, so the next incarnation's birth outranks it.
    if (this.procOpts.willDelayMs !== undefined)
      this.io.setWill?.(
        hubName('birth', this.core.agentHex),
        this.core.willMessage(SIM_EPOCH + now),
        this.procOpts.willDelayMs,
      );
    this.node.start(SIM_EPOCH + now);
    this.hooks.onStart?.(this.core, now);
    this.flush(now);
  }

  deliver(now: number, name: string, bytes: Uint8Array): void {
    const n = parseHubName(name); // names of no channel in the table are not the core's
    if (!n) return;
    this.node.handleMessages(SIM_EPOCH + now, [{ channel: n.channel, key: n.key, bytes }]);
    this.flush(now);
  }

  timeout(now: number): void {
    const d = this.node.pollTimeout();
    if (d !== undefined && d <= SIM_EPOCH + now) this.node.handleTimeout(SIM_EPOCH + now);
    this.flush(now);
  }

  deadline(): number | undefined {
    const d = this.node.pollTimeout();
    return d === undefined ? undefined : d - SIM_EPOCH;
  }

  /** Runs a PAL call on the agent core (announce, follow) at `now` and sends what it produced. */
  act<T>(now: number, f: (core: AgentCore, wireNow: number) => T): T {
    this.node.advance(SIM_EPOCH + now);
    const r = f(this.core, SIM_EPOCH + now);
    this.flush(now);
    return r;
  }

  /** Runs a call on the node core (a task post, a trust recompute) at `now` and sends what it produced. */
  actNode<T>(now: number, f: (node: NodeCore, wireNow: number) => T): T {
    this.node.advance(SIM_EPOCH + now);
    const r = f(this.node, SIM_EPOCH + now);
    this.flush(now);
    return r;
  }

  private flush(now: number): void {
    // Events first: routing them can make output (trust fetching a receipt signer's binding, a task reply).
    for (let e = this.node.pollEvent(); e; e = this.node.pollEvent()) this.hooks.onEvent?.(e, now);
    for (let t = this.node.pollTaskEvent(); t; t = this.node.pollTaskEvent()) this.hooks.onTaskEvent?.(t, now);
    for (let o = this.node.pollTransmit(); o; o = this.node.pollTransmit()) {
      const name = hubName(o.channel, o.key);
      if (o.op === 'publish') this.io.publish(name, o.bytes, o.retain, o.expiryMs);
      else if (o.op === 'subscribe') this.io.subscribe(name);
      else this.io.unsubscribe(name);
    }
  }
}
