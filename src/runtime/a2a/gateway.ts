// The A2A gateway (docs/a2a.md "Gateway"): the SDK's JSON-RPC transport handler calls this A2ARequestHandler,
// which turns each A2A message into an agentnet task that this node posts in the addressed skill's topic (the
// network bids, the award, delivery, rating and co-signed receipt run as for any task) and reports the task's
// states and its artefact back as A2A objects. The agentnet task is the record: GetTask, ListTasks and the
// streams read the node's task store, so they survive a restart (the A2A context id and the first message are
// kept in memory only; after a restart a task's context id is its id).
//
// State mapping (requester side of the task protocol, src/core/task/protocol.ts):
//   open -> SUBMITTED; awarded, fetching, delivered, rated -> WORKING; settled, unsigned -> COMPLETED;
//   expired (no bid) -> REJECTED; defaulted (no delivery) -> FAILED; canceled -> CANCELED.
// INPUT_REQUIRED and AUTH_REQUIRED never occur: an agentnet task takes no further input once posted, and
// access is decided per HTTP request (the API's bearer token) before any task exists.

import { Role, TaskState, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import {
  ContentTypeNotSupportedError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type { AgentCard } from '@a2a-js/sdk';
import { A2A_MESSAGE, validate } from '../../core/api/requests.js';
import type { Limits } from '../../core/codec/limits.js';
import { FieldError } from '../../core/codec/schema.js';
import { TaskConflictError, type TaskEvent, type TaskView } from '../../core/task/engine.js';
import type { TaskSpec } from '../../core/task/requester.js';
import { defaultMechanism } from '../task-defaults.js';
import { BAID_EXTENSION_URI, OUTPUT_MODES } from './card.js';
import { a2aState, a2aTask, TERMINAL } from './task-map.js';

export { a2aState } from './task-map.js';

/** What the gateway needs of the node. */
export interface GatewayHost {
  readonly limits: Limits;
  /** Default budget when neither the message nor the skill names one, milli-credits. */
  readonly defaultPrice: number;
  readonly tasks: {
    post(s: TaskSpec): TaskView;
    get(id: string): TaskView | undefined;
    list(): TaskView[];
    cancel(id: string): TaskView;
    artefact(id: string): Uint8Array | undefined;
  };
  /** The skill a message addresses (its id `topic/key`), or undefined when this node knows no such skill. */
  skill(id: string): { topic: string; tags: readonly string[]; price?: number } | undefined;
  /** The ids of the node's own skills (its card's). */
  ownSkills(): string[];
  /** The node's signed card (A2A's getAgentCard; the JSON-RPC route checks the version against it). */
  card(): Promise<AgentCard>;
}

const malformed = (field: string, why: string) =>
  new RequestMalformedError({ message: `${field}: ${why}`, metadata: { field } });

interface Kept {
  readonly contextId: string;
  readonly message: Message;
}

export class A2aGateway implements A2ARequestHandler {
  private readonly kept = new Map<string, Kept>();
  private readonly changed = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly h: GatewayHost) {}

  /** A task event of the node (TaskRunner.onEvent): wakes the streams and blocked calls of that task. */
  onTaskEvent(e: TaskEvent): void {
    if (e.type !== 'task') return;
    this.changed.set(e.id, Date.now());
    const ws = this.waiters.get(e.id);
    if (ws) for (const w of [...ws]) w();
  }

  getAgentCard(): Promise<AgentCard> {
    return this.h.card();
  }

  getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    return Promise.reject(
      new UnsupportedOperationError({ message: 'no extended agent card (capabilities.extendedAgentCard is false)' }),
    );
  }

  async sendMessage(params: Parameters<A2ARequestHandler['sendMessage']>[0], _c: ServerCallContext): Promise<Task> {
    const id = this.start(params);
    if (params.configuration?.returnImmediately) return this.task(id, params.configuration.historyLength);
    // Blocking, A2A's default: until a terminal state (this gateway produces no interrupted ones).
    for await (const t of this.views(id)) if (TERMINAL.has(t.status!.state)) return t;
    return this.task(id);
  }

  async *sendMessageStream(
    params: Parameters<A2ARequestHandler['sendMessage']>[0],
    _c: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    yield* this.stream(this.start(params));
  }

  async getTask(params: { id: string; historyLength?: number | undefined }): Promise<Task> {
    this.requested(params.id);
    return this.task(params.id, params.historyLength);
  }

  async listTasks(params: Parameters<A2ARequestHandler['listTasks']>[0]) {
    const size = params.pageSize ?? 50;
    if (!Number.isInteger(size) || size < 1 || size > 100) throw malformed('pageSize', 'must be an integer 1..100');
    const after = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : undefined;
    let tasks = this.h.tasks
      .list()
      .filter((t) => t.role === 'requester')
      .map((t) => this.task(t.id, params.historyLength, params.includeArtifacts ?? false))
      .filter((t) => !params.contextId || t.contextId === params.contextId)
      .filter((t) => !params.status || t.status!.state === params.status)
      .filter((t) => after === undefined || Date.parse(t.status!.timestamp!) > after)
      .sort((a, b) => b.status!.timestamp!.localeCompare(a.status!.timestamp!) || b.id.localeCompare(a.id));
    const totalSize = tasks.length;
    if (params.pageToken) {
      const [ts, id] = Buffer.from(params.pageToken, 'base64url').toString('utf8').split('|');
      const i = tasks.findIndex((t) => t.status!.timestamp === ts && t.id === id);
      if (i < 0) throw malformed('pageToken', 'is not a token this node gave');
      tasks = tasks.slice(i + 1);
    }
    const page = tasks.slice(0, size);
    const last = page[page.length - 1];
    const nextPageToken =
      last && tasks.length > page.length
        ? Buffer.from(`${last.status!.timestamp}|${last.id}`).toString('base64url')
        : '';
    return { tasks: page, nextPageToken, pageSize: size, totalSize };
  }

  async cancelTask(params: { id: string }): Promise<Task> {
    const v = this.requested(params.id);
    try {
      this.h.tasks.cancel(v.id);
    } catch (e) {
      if (e instanceof TaskConflictError)
        throw new TaskNotCancelableError({
          message: `task ${v.id} is ${v.state} (A2A ${TaskState[a2aState(v.state)]}): only a task still collecting bids can be canceled`,
        });
      throw e;
    }
    return this.task(v.id);
  }

  async *resubscribe(params: { id: string }): AsyncGenerator<StreamResponse, void, undefined> {
    const v = this.requested(params.id);
    if (TERMINAL.has(a2aState(v.state)))
      throw new UnsupportedOperationError({ message: `task ${v.id} is in a terminal state (${v.state})` });
    yield* this.stream(v.id);
  }

  createTaskPushNotificationConfig(): never {
    throw new PushNotificationNotSupportedError();
  }
  getTaskPushNotificationConfig(): never {
    throw new PushNotificationNotSupportedError();
  }
  listTaskPushNotificationConfigs(): never {
    throw new PushNotificationNotSupportedError();
  }
  deleteTaskPushNotificationConfig(): never {
    throw new PushNotificationNotSupportedError();
  }

  // ---------------------------------------------------------------- messages to tasks

  /** Checks a SendMessage request and posts its task; returns the task id. Nothing is posted when it is refused. */
  private start(params: Parameters<A2ARequestHandler['sendMessage']>[0]): string {
    const m = params.message;
    if (!m) throw malformed('message', 'is required');
    if (m.role !== Role.ROLE_USER) throw malformed('message.role', 'must be ROLE_USER');
    if (!m.messageId) throw malformed('message.messageId', 'is required');
    if (m.taskId) {
      const t = this.h.tasks.get(m.taskId);
      if (!t || t.role !== 'requester') throw new TaskNotFoundError({ message: `no task ${m.taskId}` });
      throw new UnsupportedOperationError({
        message: `task ${m.taskId} takes no further messages: an agentnet task is specified once, when it is posted`,
      });
    }
    const accepted = params.configuration?.acceptedOutputModes ?? [];
    if (accepted.length && !accepted.some((x) => OUTPUT_MODES.includes(x)))
      throw new ContentTypeNotSupportedError({
        message: `configuration.acceptedOutputModes: this node returns ${OUTPUT_MODES.join(', ')}`,
      });
    if (!m.parts.length) throw malformed('message.parts', 'must have at least one part');
    const texts = m.parts.map((p, i) => {
      const c = p.content;
      if (c?.$case === 'text') return c.value;
      if (c?.$case === 'data') return JSON.stringify(c.value);
      throw new ContentTypeNotSupportedError({
        message: `message.parts[${i}]: ${c ? c.$case : 'empty'} parts are not accepted (text and data parts are)`,
      });
    });
    const terms = {
      ...this.extParams(params.metadata, 'metadata'),
      ...this.extParams(m.metadata, 'message.metadata'),
    };
    let req: Record<string, unknown>;
    try {
      req = validate(A2A_MESSAGE, { ...terms, text: texts.join('\n') }, this.h.limits);
    } catch (e) {
      if (e instanceof FieldError)
        throw malformed(
          e.field === 'text' ? 'message.parts' : `metadata["${BAID_EXTENSION_URI}"].${e.field}`,
          e.detail,
        );
      throw e;
    }
    const own = this.h.ownSkills();
    const id = (req['skill'] as string | undefined) ?? (own.length === 1 ? own[0] : undefined);
    const skillField = `metadata["${BAID_EXTENSION_URI}"].skill`;
    if (id === undefined)
      throw malformed(skillField, `name the skill (this node's skills: ${own.join(', ') || 'none'})`);
    const skill = this.h.skill(id);
    if (!skill) throw malformed(skillField, `unknown skill ${id} (this node's skills: ${own.join(', ') || 'none'})`);
    const budget = (req['budget'] as number | undefined) ?? skill.price ?? this.h.defaultPrice;
    let v: TaskView;
    try {
      v = this.h.tasks.post({
        topic: skill.topic,
        tags: skill.tags,
        text: req['text'] as string,
        budget,
        mechanism: defaultMechanism(budget),
        bidWindowMs: req['bidWindowMs'] as number,
        deliverWindowMs: req['deliverWindowMs'] as number,
        settleWindowMs: req['settleWindowMs'] as number,
        ...(req['requiredTier'] !== undefined ? { requiredTier: req['requiredTier'] as number } : {}),
      });
    } catch (e) {
      if (e instanceof TaskConflictError) throw malformed(`metadata["${BAID_EXTENSION_URI}"].budget`, e.message);
      throw e;
    }
    this.kept.set(v.id, {
      contextId: m.contextId || v.id,
      message: { ...m, taskId: v.id, contextId: m.contextId || v.id },
    });
    return v.id;
  }

  /** The agentnet extension's object in a metadata map (absent: {}). */
  private extParams(meta: Record<string, unknown> | undefined, where: string): Record<string, unknown> {
    const x = meta?.[BAID_EXTENSION_URI];
    if (x === undefined) return {};
    if (typeof x !== 'object' || x === null || Array.isArray(x))
      throw malformed(`${where}["${BAID_EXTENSION_URI}"]`, 'must be an object');
    return x as Record<string, unknown>;
  }

  // ---------------------------------------------------------------- tasks to A2A

  /** A task this node requested, or TaskNotFoundError (tasks it works on are not the A2A client's). */
  private requested(id: string): TaskView {
    const v = /^[0-9a-f]{64}$/.test(id) ? this.h.tasks.get(id) : undefined;
    if (!v || v.role !== 'requester') throw new TaskNotFoundError({ message: `no task ${id}` });
    return v;
  }

  private task(id: string, historyLength?: number, artifacts = true): Task {
    const v = this.h.tasks.get(id)!;
    const k = this.kept.get(id);
    const at = this.changed.get(id) ?? v.createdAt;
    const history = k && historyLength !== 0 ? [k.message] : [];
    return a2aTask(v, k?.contextId ?? id, at, history, artifacts ? this.h.tasks.artefact(id) : undefined);
  }

  /** The task now, then again at every change of its state, until it ends (or forever, for a blocked caller). */
  private async *views(id: string): AsyncGenerator<Task, void, undefined> {
    let wake: (() => void) | undefined;
    let pending = true;
    const w = () => {
      pending = true;
      wake?.();
    };
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(w);
    try {
      for (;;) {
        if (!pending) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        pending = false;
        const t = this.task(id);
        yield t;
        if (TERMINAL.has(t.status!.state)) return;
      }
    } finally {
      set.delete(w);
      if (!set.size) this.waiters.delete(id);
    }
  }

  /** The stream of a task : the task first, then status and artifact updates, closed at a terminal state. */
  private async *stream(id: string): AsyncGenerator<StreamResponse, void, undefined> {
    let last: TaskState | undefined;
    let sentArtifact = false;
    for await (const t of this.views(id)) {
      if (last === undefined) {
        yield { payload: { $case: 'task', value: t } };
        last = t.status!.state;
        sentArtifact = t.artifacts.length > 0;
        continue;
      }
      if (!sentArtifact && t.artifacts.length) {
        sentArtifact = true;
        yield {
          payload: {
            $case: 'artifactUpdate',
            value: {
              taskId: id,
              contextId: t.contextId,
              artifact: t.artifacts[0],
              append: false,
              lastChunk: true,
              metadata: undefined,
            },
          },
        };
      }
      if (t.status!.state !== last) {
        last = t.status!.state;
        yield {
          payload: {
            $case: 'statusUpdate',
            value: { taskId: id, contextId: t.contextId, status: t.status, metadata: t.metadata },
          },
        };
      }
    }
  }
}
