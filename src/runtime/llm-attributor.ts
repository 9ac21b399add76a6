// Attributor backed by an OpenAI-compatible chat-completions endpoint (POST {model, messages} →
// {choices: [{message: {content}}]}). The model is shown the mechanism clause by clause, the editable
// fields with their ranges, the worst failing trajectories and the edits already rolled back, and is
// asked for one JSON edit. Its reply is untrusted input: anything that is not a valid edit becomes a
// typed failure (TIMEOUT, NETWORK, HTTP, MALFORMED, INVALID_EDIT), never an exception, and the loop
// then falls back to the built-in attributor or leaves the mechanism as it was (sim/market/evolve.ts).

import type {
  Attributor,
  AttributionInput,
  AttributorFailureCode,
  AttributorResult,
} from '../core/market/attribution.js';
import {
  applyEdit,
  checkEdit,
  CLAUSE_FIELDS,
  CLAUSE_IDS,
  describeEdit,
  describeMechanism,
  type ClauseId,
  type Edit,
} from '../core/market/mechanism.js';

export interface LlmAttributorOptions {
  /** Full URL of the chat-completions route, e.g. http://127.0.0.1:8080/v1/chat/completions. */
  readonly url: string;
  readonly model?: string;
  /** Sent as a Bearer token when given; this module never looks for one itself. */
  readonly apiKey?: string;
  /** Whole-request timeout, ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Trajectories shown to the model, worst first (default 12). */
  readonly maxTrajectories?: number;
}

const SYSTEM = [
  'You repair the rules of a task market (a Stackelberg mechanism). Agents exploit clauses of the mechanism;',
  'you see the clauses, the failing trajectories (profitable deviations found by a strategy search, and honest',
  'agents losing money) and the edits already rolled back. Name the clause(s) each failure exploits and propose',
  'ONE edit that closes the most of them without reopening earlier exploits or wasting welfare.',
  'Reply with only a JSON object: {"attribution": "<which clauses were exploited and why>",',
  '"ops": [{"clause": "<clause id>", "field": "<field>", "value": <string or integer>}]}.',
  'Money is in milli-credits, fractions in basis points (10000 = 100%).',
].join(' ');

export function buildPrompt(input: AttributionInput, maxTrajectories = 12): string {
  const fields = CLAUSE_IDS.map(
    (c) =>
      `${c}: ${Object.entries(CLAUSE_FIELDS[c])
        .map(
          ([f, r]) => `${f} in ${typeof r[0] === 'string' ? (r as readonly string[]).join('|') : `${r[0]}..${r[1]}`}`,
        )
        .join(', ')}`,
  );
  const worst = [...input.trajectories].sort((a, b) => b.gain - a.gain).slice(0, maxTrajectories);
  const counts = new Map<string, number>();
  for (const t of input.trajectories) counts.set(t.family, (counts.get(t.family) ?? 0) + 1);
  return [
    `Mechanism (task value ${input.taskValue} credits, system loss ${input.systemLoss.toFixed(4)}):`,
    describeMechanism(input.mechanism),
    '',
    'Editable fields:',
    ...fields,
    '',
    `Failing trajectories by family: ${[...counts].map(([f, n]) => `${f} ${n}`).join(', ') || 'none'}. Worst ${worst.length}:`,
    ...worst.map((t) =>
      JSON.stringify({
        kind: t.kind,
        family: t.family,
        what: t.description,
        gain: round(t.gain),
        pay: round(t.pay),
        slash: round(t.slash),
        bondLoss: round(t.bondLoss),
        effortCost: round(t.effortCost),
        badProb: round(t.badProb),
        onTeam: t.onTeam,
        teamSize: t.teamSize,
        sybilTiers: t.sybilTiers,
      }),
    ),
    '',
    `Edits already rolled back at this version: ${input.rejected.length ? input.rejected.join(' | ') : 'none'}`,
  ].join('\n');
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const fail = (code: AttributorFailureCode, message: string): AttributorResult => ({
  ok: false,
  failure: { code, message },
});

/** Extracts the JSON object of a reply (models sometimes wrap it in prose or a ``` fence). */
export function parseReply(content: string): { edit: unknown; attribution: string } | { error: string } {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end <= start) return { error: 'no JSON object in the reply' };
  let v: unknown;
  try {
    v = JSON.parse(content.slice(start, end + 1));
  } catch (e) {
    return { error: `reply is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof v !== 'object' || v === null) return { error: 'reply is not an object' };
  const o = v as { ops?: unknown; attribution?: unknown };
  // The edit stays `unknown` until checkEdit has validated it.
  return { edit: { ops: o.ops }, attribution: typeof o.attribution === 'string' ? o.attribution.slice(0, 500) : '' };
}

export function llmAttributor(opts: LlmAttributorOptions): Attributor {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    name: `llm(${opts.url})`,
    async propose(input) {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), timeoutMs);
      let content: string;
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          signal: ctl.signal,
          headers: {
            'content-type': 'application/json',
            ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: opts.model ?? 'default',
            temperature: 0,
            messages: [
              { role: 'system', content: SYSTEM },
              { role: 'user', content: buildPrompt(input, opts.maxTrajectories) },
            ],
          }),
        });
        if (!res.ok) return fail('HTTP', `${res.status} ${res.statusText}`);
        const body = (await res.json().catch(() => undefined)) as
          { choices?: { message?: { content?: unknown } }[] } | undefined;
        const c = body?.choices?.[0]?.message?.content;
        if (typeof c !== 'string') return fail('MALFORMED', 'response has no choices[0].message.content');
        content = c;
      } catch (e) {
        if (ctl.signal.aborted) return fail('TIMEOUT', `no reply within ${timeoutMs} ms`);
        return fail('NETWORK', e instanceof Error ? e.message : String(e));
      } finally {
        clearTimeout(timer);
      }
      const parsed = parseReply(content);
      if ('error' in parsed) return fail('MALFORMED', parsed.error);
      const check = checkEdit(parsed.edit);
      if (!check.ok) return fail('INVALID_EDIT', check.reason);
      const edit = parsed.edit as Edit;
      const desc = describeEdit(input.mechanism, edit);
      if (input.rejected.includes(desc)) return fail('INVALID_EDIT', `already rolled back: ${desc}`);
      const clauses = [...new Set(edit.ops.map((o) => o.clause))] as ClauseId[];
      applyEdit(input.mechanism, edit); // validated above; throws only on a bug
      return {
        ok: true,
        proposals: [{ edit, clauses, attribution: parsed.attribution || `llm edit of ${clauses.join(',')}` }],
      };
    },
  };
}
