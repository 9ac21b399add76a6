// The task and trust families of GET /metrics (metrics.ts renders them with the node's and the process's):
// tasks by role and state, adapter runs and their failures, the credit ledger, and the trust part's counters.

import type { Family, MetricsSnapshot } from './metrics.js';

/** One sample per key of `rec`, labelled `label`. */
export const by = (label: string, rec: Readonly<Record<string, number>>) =>
  Object.entries(rec).map(([k, v]) => ({ labels: { [label]: k }, value: v }));

export function taskFamilies(m: MetricsSnapshot): Family[] {
  const out: Family[] = [];
  if (m.tasks)
    out.push({
      name: 'agentnet_tasks',
      type: 'gauge',
      help: 'Tasks this node holds, by role and state (ended ones are kept up to the engine keepEnded; their state is the outcome).',
      samples: m.tasks.map((t) => ({ labels: { role: t.role, state: t.state }, value: t.count })),
    });
  if (m.balance !== undefined)
    out.push({
      name: 'agentnet_ledger_balance',
      type: 'gauge',
      help: "This agent's credit balance in its own ledger, milli-credits.",
      samples: [{ value: m.balance }],
    });
  if (m.adapters && m.adapters.length) {
    const bounds = m.latencyBuckets ?? [];
    out.push(
      {
        name: 'agentnet_adapter_runs',
        type: 'counter',
        help:
          'Work adapter runs by adapter and result (ok or the failure: timeout, exit, spawn, oversize, malformed, ' +
          'unreachable, status, tool_error, capacity, late).',
        samples: m.adapters.flatMap((a) =>
          Object.entries(a.runs).map(([result, n]) => ({
            labels: { adapter: a.name, kind: a.kind, result },
            value: n,
          })),
        ),
      },
      {
        name: 'agentnet_adapter_resumed',
        type: 'counter',
        help:
          'Adapter runs found unfinished after a restart of the node, by role (work, rate) and result: ' +
          'rerun (its window still open) or expired (it closed while the node was down).',
        samples: m.adapters.flatMap((a) =>
          Object.entries(a.resumed ?? {}).map(([k, n]) => {
            const [role, result] = k.split(' ') as [string, string];
            return { labels: { adapter: a.name, role, result }, value: n };
          }),
        ),
      },
      {
        name: 'agentnet_adapter_running',
        type: 'gauge',
        help: 'Work adapter runs in progress and waiting for a slot.',
        samples: m.adapters.flatMap((a) => [
          { labels: { adapter: a.name, queue: 'running' }, value: a.running },
          { labels: { adapter: a.name, queue: 'waiting' }, value: a.waiting },
        ]),
      },
      {
        name: 'agentnet_adapter_duration_seconds',
        type: 'histogram',
        unit: 'seconds',
        help: 'Work adapter run latency, successful or failed.',
        samples: m.adapters.flatMap((a) => [
          ...a.latency.buckets.map((n, i) => ({
            suffix: '_bucket' as const,
            labels: { adapter: a.name, le: i < bounds.length ? String(bounds[i]) : '+Inf' },
            value: n,
          })),
          { suffix: '_sum' as const, labels: { adapter: a.name }, value: a.latency.sum },
          { suffix: '_count' as const, labels: { adapter: a.name }, value: a.latency.count },
        ]),
      },
    );
  }
  if (m.embedder)
    out.push(
      {
        name: 'agentnet_embedder_requests',
        type: 'counter',
        help: 'Requests to the embeddings endpoint of free-text discovery by result (ok, unreachable, timeout, status, malformed, oversize).',
        samples: by('result', m.embedder.requests),
      },
      {
        name: 'agentnet_discover_fallbacks',
        type: 'counter',
        help: 'Free-text queries ranked by BM25 alone because the embeddings endpoint failed, by reason.',
        samples: by('reason', m.embedder.fallbacks),
      },
      {
        name: 'agentnet_embedder_cache_entries',
        type: 'gauge',
        help: 'Declaration vectors held in the embedder cache.',
        samples: [{ value: m.embedder.cacheEntries }],
      },
      {
        name: 'agentnet_embedder_cache_hits',
        type: 'counter',
        help: 'Vectors answered from the embedder cache.',
        samples: [{ value: m.embedder.cacheHits }],
      },
    );
  return out;
}

export function trustFamilies(t: NonNullable<MetricsSnapshot['trust']>): Family[] {
  return [
    {
      name: 'agentnet_trust_receipts',
      type: 'counter',
      help: 'Co-signed receipts verified and fed to MG-EigenTrust.',
      samples: [{ value: t.receipts }],
    },
    {
      name: 'agentnet_trust_receipt_rejections',
      type: 'counter',
      help: 'Receipts rejected, by reason (forged: bad_signature, one-sided: malformed, ...).',
      samples: by('reason', t.rejected),
    },
    {
      name: 'agentnet_trust_receipts_held',
      type: 'gauge',
      help: 'Receipts waiting for a signer binding.',
      samples: [{ value: t.held }],
    },
    {
      name: 'agentnet_trust_agents',
      type: 'gauge',
      help: 'Identities in the trust ledger.',
      samples: [{ value: t.agents }],
    },
    {
      name: 'agentnet_trust_slashed',
      type: 'gauge',
      help: 'Identities slashed on a verified fraud proof.',
      samples: [{ value: t.slashed }],
    },
    {
      name: 'agentnet_trust_epochs',
      type: 'counter',
      help: 'Trust recomputations (one power-iteration call for all topics each).',
      samples: [{ value: t.epochs }],
    },
    {
      name: 'agentnet_trust_entries',
      type: 'counter',
      help: 'Reputation entries published (deltas / top-k per topic per epoch).',
      samples: [{ value: t.entriesSent }],
    },
  ];
}
