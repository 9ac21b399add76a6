// Tasks this node requested as A2A objects (docs/a2a.md "Gateway"; the state mapping is gateway.ts's header): the
// state, a status message naming the agentnet state and its note, the delivered artefact as one part, and the
// agentnet extension's metadata (topic, tags, budget, worker, price, amount paid, the co-signed receipt).

import { Role, TaskState, type Artifact, type Message, type Part, type Task } from '@a2a-js/sdk';
import type { TaskView } from '../../core/task/engine.js';
import { BAID_EXTENSION_URI } from './card.js';

export const TERMINAL = new Set<TaskState>([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** The A2A state of a task this node requested (the mapping above). */
export function a2aState(state: string): TaskState {
  switch (state) {
    case 'open':
      return TaskState.TASK_STATE_SUBMITTED;
    case 'settled':
    case 'unsigned':
      return TaskState.TASK_STATE_COMPLETED;
    case 'expired':
      return TaskState.TASK_STATE_REJECTED;
    case 'defaulted':
      return TaskState.TASK_STATE_FAILED;
    case 'canceled':
      return TaskState.TASK_STATE_CANCELED;
    default:
      return TaskState.TASK_STATE_WORKING;
  }
}

/** An artefact as one A2A part: UTF-8 text (JSON or plain) when it decodes, raw bytes otherwise. */
function partOf(a: Uint8Array): Part {
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(a);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    return {
      content: { $case: 'raw', value: Buffer.from(a) },
      metadata: undefined,
      filename: '',
      mediaType: 'application/octet-stream',
    };
  let json = false;
  try {
    JSON.parse(text);
    json = true;
  } catch {
    json = false;
  }
  return {
    content: { $case: 'text', value: text },
    metadata: undefined,
    filename: '',
    mediaType: json ? 'application/json' : 'text/plain',
  };
}

/** The A2A task of a requested task `v` whose state last changed at `at` (ms), with `artefact` if fetched. */
export function a2aTask(v: TaskView, contextId: string, at: number, history: Message[], artefact?: Uint8Array): Task {
  const id = v.id;
  const state = a2aState(v.state);
  const note = v.note ?? (state === TaskState.TASK_STATE_SUBMITTED ? 'posted; the network is bidding' : undefined);
  const statusMessage: Message | undefined = note
    ? {
        messageId: `${id}.${v.state}`,
        contextId,
        taskId: id,
        role: Role.ROLE_AGENT,
        parts: [
          {
            content: { $case: 'text', value: `${v.state}: ${note}` },
            metadata: undefined,
            filename: '',
            mediaType: 'text/plain',
          },
        ],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      }
    : undefined;
  const artifact: Artifact | undefined = artefact
    ? {
        artifactId: `${id}.artefact`,
        name: 'artefact',
        description: `the artefact the worker delivered (${artefact.length} bytes, SHA-256 ${v.deliveryHash ?? ''})`,
        parts: [partOf(artefact)],
        metadata: undefined,
        extensions: [],
      }
    : undefined;
  return {
    id,
    contextId,
    status: { state, message: statusMessage, timestamp: new Date(at).toISOString() },
    artifacts: artifact ? [artifact] : [],
    history,
    metadata: {
      [BAID_EXTENSION_URI]: {
        state: v.state,
        topic: v.topic,
        tags: [...v.tags],
        budget: v.budget,
        ...(v.worker ? { worker: v.worker } : {}),
        ...(v.price !== undefined ? { price: v.price } : {}),
        ...(v.amount !== undefined ? { paid: v.amount } : {}),
        ...(v.receipt ? { receipt: v.receipt } : {}),
      },
    },
  };
}
