// The `a2a` worker adapter (docs/adapters.md "A2A agents as workers"): a task's work done by an existing A2A
// agent at a URL, through the official SDK's client. One run fetches the agent's card
// (`/.well-known/agent-card.json` under the URL), checks it (below), sends the task's text with SendMessage
// over the transport the card names, waits for a terminal state (polling GetTask while the agent reports
// SUBMITTED or WORKING) and returns the text of the task's artifacts (or of the answering message).
//
// The card is refused, and nothing is sent, when
//   - a signature does not verify: each is checked with the SDK's verifier against the Ed25519 key its `kid`
//     names in agentnet's form (`agentnet:ed25519:<hex>`); a signature naming a key this node cannot resolve
//     is refused too, since it cannot be checked;
//   - it carries the agentnet BAID extension and the binding does not check, binds another key, or the card
//     is not signed by the key it binds;
//   - `skill` is set and the card has no skill of that id.
// Failures map onto the closed set of src/core/base/errors.ts: no connection `unreachable`, an HTTP error status on
// the card `status`, a refused card or a reply without text `malformed`, the agent's FAILED, REJECTED,
// CANCELED, INPUT_REQUIRED or AUTH_REQUIRED (or a JSON-RPC error) `tool_error`, no terminal state in time
// `timeout`. Loaded at the first a2a run, so a node without one does not load the SDK.

import { AgentCard, Role, TaskState, verifyAgentCardSignature, type Message, type Part, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { DEFAULT_LIMITS } from '../../core/codec/limits.js';
import { AdapterError } from '../errors.js';
import { BAID_EXTENSION_URI, CARD_PATH } from '../a2a/spec.js';
import { bindingFor, jwkOf, quietly, signerOf } from '../a2a/verify.js';
import { makeCryptoPort, nobleStrictVerifier } from '../crypto-port.js';
import type { RunLimits } from './run.js';

export interface A2aTarget {
  readonly url: string;
  readonly skill?: string;
  readonly token?: string;
}

const crypto = makeCryptoPort(nobleStrictVerifier);
/** A card larger than this is not a card. */
const CARD_BYTES = 1 << 20;

/** Why a card is refused, or undefined when it may be used. */
export async function cardProblem(card: AgentCard, now: number): Promise<string | undefined> {
  let signer: string | undefined;
  const bad: string[] = [];
  for (const [i, s] of card.signatures.entries()) {
    try {
      const kid = signerOf(s.protected);
      await quietly(() => verifyAgentCardSignature(async () => jwkOf(kid))({ ...card, signatures: [s] }));
      signer ??= kid;
    } catch (e) {
      bad.push(`signatures[${i}]: ${(e as Error).message || 'does not verify'}`);
    }
  }
  if (bad.length) return `bad signature (${bad.join('; ')})`;
  const ext = card.capabilities?.extensions.find((e) => e.uri === BAID_EXTENSION_URI);
  if (ext) {
    const p = (ext.params ?? {}) as Record<string, unknown>;
    const agent = typeof p['agent'] === 'string' ? p['agent'] : '';
    try {
      bindingFor(crypto, p['binding'], agent, now, DEFAULT_LIMITS, 'agent');
    } catch (e) {
      return `BAID extension: ${(e as Error).message}`;
    }
    if (signer !== agent)
      return `BAID extension binds ${agent}, but the card is ${signer ? `signed by ${signer}` : 'unsigned'}`;
  }
  return undefined;
}

function unreachable(what: string, e: unknown): AdapterError {
  const err = e as Error & { cause?: Error & { code?: string } };
  const cause = err.cause ? `${err.cause.code ?? ''} ${err.cause.message ?? ''}`.trim() : err.message;
  return new AdapterError('unreachable', `${what}: ${cause || 'fetch failed'}`);
}

/** The text of parts: text as it is, data as JSON; files are not text and are left out. */
function textOf(parts: readonly Part[]): string {
  return parts
    .map((p) =>
      p.content?.$case === 'text'
        ? p.content.value
        : p.content?.$case === 'data'
          ? JSON.stringify(p.content.value)
          : '',
    )
    .filter((s) => s !== '')
    .join('\n');
}

const FINAL_FAILURES = new Map<TaskState, string>([
  [TaskState.TASK_STATE_FAILED, 'FAILED'],
  [TaskState.TASK_STATE_REJECTED, 'REJECTED'],
  [TaskState.TASK_STATE_CANCELED, 'CANCELED'],
  [TaskState.TASK_STATE_INPUT_REQUIRED, 'INPUT_REQUIRED'],
  [TaskState.TASK_STATE_AUTH_REQUIRED, 'AUTH_REQUIRED'],
]);

/** Runs one task on the A2A agent: the artefact's text. */
export async function callA2a(o: A2aTarget, text: string, taskId: string, l: RunLimits): Promise<string> {
  const base = o.url.replace(/\/+$/, '');
  const cardUrl = `${base}${CARD_PATH}`;
  const signal = AbortSignal.timeout(l.timeoutMs);
  const timedOut = () => new AdapterError('timeout', `A2A agent ${base}: no result within ${l.timeoutMs} ms`);
  // Every request of the run carries the token and ends with the run's timeout.
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (o.token) headers.set('authorization', `Bearer ${o.token}`);
    return fetch(input, { ...init, headers, signal });
  };

  // 1. The card, fetched here (size and status checked), normalised and checked by the SDK.
  let res: Response;
  try {
    res = await fetchImpl(cardUrl, { headers: { accept: 'application/json' } });
  } catch (e) {
    if (signal.aborted) throw timedOut();
    throw unreachable(`GET ${cardUrl}`, e);
  }
  if (res.status < 200 || res.status > 299) throw new AdapterError('status', `GET ${cardUrl}: HTTP ${res.status}`);
  let raw: string;
  try {
    raw = await res.text();
  } catch (e) {
    if (signal.aborted) throw timedOut();
    throw unreachable(`GET ${cardUrl}`, e);
  }
  if (Buffer.byteLength(raw) > CARD_BYTES)
    throw new AdapterError('oversize', `GET ${cardUrl}: card larger than ${CARD_BYTES} bytes`);
  let card: AgentCard;
  try {
    const json: unknown = JSON.parse(raw);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TypeError('not a JSON object');
    card = AgentCard.fromJSON(json);
  } catch (e) {
    throw new AdapterError('malformed', `GET ${cardUrl}: not an A2A Agent Card (${(e as Error).message})`);
  }
  const problem = await cardProblem(card, Date.now());
  if (problem) throw new AdapterError('malformed', `A2A agent ${base}: card refused: ${problem}`);
  if (o.skill !== undefined && !card.skills.some((s) => s.id === o.skill))
    throw new AdapterError('malformed', `A2A agent ${base}: card refused: no skill ${JSON.stringify(o.skill)}`);

  // 2. SendMessage, then GetTask until the task ends.
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
    }),
  );
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (signal.aborted) throw timedOut();
      if (e instanceof AdapterError) throw e;
      const m = (e as Error).message ?? String(e);
      if (e instanceof TypeError || /fetch failed|ECONNREFUSED|ENOTFOUND/.test(m)) throw unreachable(what, e);
      throw new AdapterError('tool_error', `A2A agent ${base}: ${what}: ${m}`);
    }
  };
  const client = await call('client', () => factory.createFromAgentCard(card));
  const message: Message = {
    messageId: `agentnet-${taskId}-${Date.now().toString(36)}`,
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata: { agentnetTask: taskId, ...(o.skill !== undefined ? { skill: o.skill } : {}) },
    extensions: [],
    referenceTaskIds: [],
  };
  let r = await call('SendMessage', () =>
    client.sendMessage(
      {
        tenant: '',
        message,
        configuration: {
          acceptedOutputModes: ['text/plain', 'application/json'],
          taskPushNotificationConfig: undefined,
          returnImmediately: false,
        },
        metadata: undefined,
      },
      { signal },
    ),
  );
  let out: string;
  if ('messageId' in r && !('status' in r)) out = textOf((r as Message).parts);
  else {
    let t = r as Task;
    for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
      const state = t.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
      const failed = FINAL_FAILURES.get(state);
      if (failed) {
        const why = textOf(t.status?.message?.parts ?? []).slice(0, 300);
        throw new AdapterError('tool_error', `A2A agent ${base}: task ${t.id} ${failed}${why ? `: ${why}` : ''}`);
      }
      if (state === TaskState.TASK_STATE_COMPLETED) break;
      await new Promise((ok) => setTimeout(ok, wait));
      if (signal.aborted) throw timedOut();
      const id = t.id;
      r = await call('GetTask', () => client.getTask({ tenant: '', id, historyLength: 0 }, { signal }));
      t = r as Task;
    }
    out = textOf(t.artifacts.flatMap((a) => a.parts)) || textOf(t.status?.message?.parts ?? []);
  }
  if (!out) throw new AdapterError('malformed', `A2A agent ${base}: the reply has no text or data part`);
  if (Buffer.byteLength(out) > l.maxOutputBytes)
    throw new AdapterError('oversize', `A2A agent ${base}: the reply is over ${l.maxOutputBytes} bytes`);
  return out;
}
