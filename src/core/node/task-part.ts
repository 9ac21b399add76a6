// The node core's task side (docs/architecture.md §8): the TaskHost through which the task engine (task/engine.ts)
// reaches the rest of the node, sans-I/O. Announces go to the agent core's log, task messages out as direct
// messages, bodies and dispute proofs out through the node core's pollTransmit, invitation candidates come from
// discovery. The engine's ports (its task store and credit ledger) and its policy come from the runtime.

import type { AgentCore } from '../agent.js';
import type { LogStore } from '../log/store.js';
import { disputeKey } from '../identity/dispute.js';
import { badDeliveryKey } from '../identity/bad-delivery.js';
import type { TaskEngineOptions, TaskHost } from '../task/engine.js';

/** What the runtime hands the node core for its task engine: ports, keys and policy (the host is the core's). */
export type TaskPartOptions = Omit<TaskEngineOptions, 'host' | 'verifier' | 'limits'> & {
  /** The log store the agent core writes (announced entries and bodies are read back from it). */
  readonly logStore: LogStore;
  /** Which of the discovered candidates (best first) get an invitation; default all of them (at most 64). */
  readonly invitees?: (topic: string, agents: readonly string[], now: number) => string[];
};

/** Where the host's outputs go in the node core. */
export interface TaskOutlets {
  /** The `now` of the input being handled (host calls carry none of their own). */
  now(): number;
  publishBody(now: number, hash: Uint8Array, bytes: Uint8Array, expires: number): void;
  reportFraud(now: number, key: string, proof: Uint8Array): void;
}

export function taskHost(
  agent: AgentCore,
  store: LogStore,
  out: TaskOutlets,
  invitees?: TaskPartOptions['invitees'],
): TaskHost {
  return {
    announce: (now, decl) => {
      const a = agent.announce(now, decl);
      const e = store.get(agent.agentKey, decl.topic, agent.status().epoch, a.seq)!;
      return { id: a.id, entry: e.bytes, body: store.getBody(e.bodyHash)! };
    },
    sendTask: (to, msg) => agent.sendTask(to, msg),
    keepBinding: (agentKey, version, bytes) => store.putBinding(agentKey, version, bytes),
    publishBody: (hash, bytes, expires) => {
      store.putBody(hash, bytes, expires);
      out.publishBody(out.now(), hash, bytes, expires);
    },
    // A double award we received: our own verifier checks it now (trust slashes on the core's `dispute`
    // event) and the proof goes out retained on the fraud channel for every node (identity/dispute.ts).
    dispute: (requester, proof) => out.reportFraud(out.now(), disputeKey(requester), proof),
    // An artefact that failed its task's acceptance check: the same path (trust slashes on `bad_delivery`).
    badDelivery: (worker, proof) => out.reportFraud(out.now(), badDeliveryKey(worker), proof),
    // One invitation per agent, however many of its capabilities match.
    candidates: (topic, tags, minTier, now) => {
      const found = [
        ...new Set(
          agent
            .discover({ tags, topic, minTier, limit: 500 }, now)
            .filter((c) => c.kind === 'capability')
            .map((c) => c.author),
        ),
      ];
      return invitees ? invitees(topic, found, now).slice(0, 64) : found.slice(0, 64);
    },
  };
}
