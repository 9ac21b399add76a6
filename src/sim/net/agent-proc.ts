// Runs the daemon's AgentCore (the same class, unchanged) as a simulated node's process: maps the
// core's logical channels onto hub names `{channel}/{key}`, drains pollTransmit()/pollEvent() after
// every input, and reports pollTimeout() as the node's deadline. Virtual time t is SIM_EPOCH + t on
// the core's clock, so signed timestamps look like real ones.

import { AgentCore, type AgentOptions } from '../../core/agent.js';
import { hubName, parseHubName } from '../../core/channels.js';
import type { CoreEvent } from '../../core/types.js';
import { SIM_EPOCH } from './identities.js';
import type { NodeIO, Proc } from './world.js';

export interface AgentProcOptions {
  /** Leave the signed death as the connection's will with this delay (ms), as the daemon does (node.ts). */
  readonly willDelayMs?: number;
}

export interface AgentProcHooks {
  /** After core.start (the node's agent announces its declarations here). */
  onStart?(core: AgentCore, now: number): void;
  onEvent?(e: CoreEvent, now: number): void;
}
// Anti-entropy over MQTT is the core's own heartbeat now (AgentOptions heartbeatMs, frontierRepeats,
// resyncEvery; gossip/heartbeat.ts): the shell has no timers of its own.

export class AgentProc implements Proc {
  readonly core: AgentCore;

  constructor(
    private readonly io: NodeIO,
    opts: AgentOptions,
    private readonly hooks: AgentProcHooks = {},
    private readonly procOpts: AgentProcOptions = {},
  ) {
    this.core = new AgentCore(opts);
  }

  start(now: number): void {
    // The will carries this incarnation's birth time, so the next incarnation's birth outranks it.
    if (this.procOpts.willDelayMs !== undefined)
      this.io.setWill?.(
        hubName('birth', this.core.agentHex),
        this.core.willMessage(SIM_EPOCH + now),
        this.procOpts.willDelayMs,
      );
    this.core.start(SIM_EPOCH + now);
    this.hooks.onStart?.(this.core, now);
    this.flush(now);
  }

  deliver(now: number, name: string, bytes: Uint8Array): void {
    const n = parseHubName(name); // names of no channel in the table are not the core's
    if (!n) return;
    this.core.handleMessage(SIM_EPOCH + now, n.channel, n.key, bytes);
    this.flush(now);
  }

  timeout(now: number): void {
    const d = this.core.pollTimeout();
    if (d !== undefined && d <= SIM_EPOCH + now) this.core.handleTimeout(SIM_EPOCH + now);
    this.flush(now);
  }

  deadline(): number | undefined {
    const d = this.core.pollTimeout();
    return d === undefined ? undefined : d - SIM_EPOCH;
  }

  /** Runs a PAL call (announce, follow) at `now` and sends what it produced. */
  act<T>(now: number, f: (core: AgentCore, wireNow: number) => T): T {
    const r = f(this.core, SIM_EPOCH + now);
    this.flush(now);
    return r;
  }

  private flush(now: number): void {
    for (let o = this.core.pollTransmit(); o; o = this.core.pollTransmit()) {
      const name = hubName(o.channel, o.key);
      if (o.op === 'publish') this.io.publish(name, o.bytes, o.retain, o.expiryMs);
      else if (o.op === 'subscribe') this.io.subscribe(name);
      else this.io.unsubscribe(name);
    }
    for (let e = this.core.pollEvent(); e; e = this.core.pollEvent()) this.hooks.onEvent?.(e, now);
  }
}
