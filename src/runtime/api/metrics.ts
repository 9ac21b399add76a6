// GET /metrics in the Prometheus text format 0.0.4 (content type text/plain; version=0.0.4), or in
// OpenMetrics 1.0 (application/openmetrics-text; version=1.0.0) to a client whose Accept header asks for
// it, as Prometheus' own client libraries negotiate (client_python's choose_encoder, client_golang's
// expfmt.Negotiate): OpenMetrics only when one of the accepted media types is
// `application/openmetrics-text`; anything else (no header, `*/*` from curl, `text/plain`) gets the
// Prometheus text format, which `promtool check metrics` lints. A Prometheus server asks for OpenMetrics
// first, so it scrapes OpenMetrics.
// The two differ only in framing: 0.0.4 names a counter family with its `_total` suffix and has no
// `# UNIT` and no `# EOF`. Each family is written as `# TYPE`, `# HELP`, optional `# UNIT` (the family name
// then ends in `_<unit>`, OpenMetrics §"Metric types") and its samples; counters' samples carry the
// `_total` suffix; the exposition ends with `# EOF`. Process metrics use the names of Prometheus'
// client libraries (process_resident_memory_bytes, process_cpu_seconds_total, ...), so existing
// dashboards find them.

import { readdirSync } from 'node:fs';
import { by, taskFamilies, trustFamilies } from './metrics-tasks.js';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * OpenMetrics when a media range of the Accept header is `application/openmetrics-text` (any version; not
 * with q=0, which refuses it), else the Prometheus text format.
 */
export function negotiate(accept: string | undefined): 'openmetrics' | 'prometheus' {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((x) => x.trim().toLowerCase());
    if (type !== 'application/openmetrics-text') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return 'openmetrics';
  }
  return 'prometheus';
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly unit?: string;
  /** A histogram's samples name their series by `suffix` (_bucket with an `le` label, _sum, _count). */
  readonly samples: ReadonlyArray<{
    readonly labels?: Readonly<Record<string, string>>;
    readonly value: number;
    readonly suffix?: '_bucket' | '_sum' | '_count';
  }>;
}

/** What the node reports (AgentNode.metrics()); plain numbers so this module knows no node internals. */
export interface MetricsSnapshot {
  readonly verified: Readonly<Record<string, number>>;
  /** Every reject reason, including those at 0 (a series that appears late breaks rate()). */
  readonly rejected: Readonly<Record<string, number>>;
  readonly bytes: {
    readonly headerBytesIn: number;
    readonly headerBytesOut: number;
    readonly bodyBytesIn: number;
    readonly bodyBytesOut: number;
    readonly directBytesOut: number;
  };
  readonly pulls: { readonly requested: number; readonly completed: number; readonly failed: number };
  readonly gapRepairs: { readonly requested: number; readonly failed: number };
  readonly discoveries: number;
  /** Own stored entries whose body no longer decodes (signed by an older version), each counted once: skipped. */
  readonly storeUndecodable?: number;
  readonly queues: Readonly<Record<string, number>>;
  readonly knownAgents: number;
  readonly entries: number;
  /** Log retention: entries and bodies deleted by prune since start (driver). */
  readonly pruned?: { readonly entries: number; readonly bodies: number };
  readonly link: { readonly state: string; readonly reconnects: number };
  readonly verifierBatches: number;
  readonly uptimeMs: number;
  /** MG-EigenTrust (runtime/trust.ts): receipts ingested and held, identities, slashed, epochs, entries published, rejections. */
  /** Work adapters (runtime/adapters): runs per result and latency, per adapter. */
  readonly adapters?: ReadonlyArray<{
    readonly name: string;
    readonly kind: string;
    readonly running: number;
    readonly waiting: number;
    readonly runs: Readonly<Record<string, number>>;
    readonly latency: { readonly buckets: readonly number[]; readonly sum: number; readonly count: number };
    /** Runs found unfinished after a restart, per `role result` (result rerun or expired). */
    readonly resumed?: Readonly<Record<string, number>>;
  }>;
  /** The embedder of free-text discovery (runtime/embedder.ts), when one is configured. */
  readonly embedder?: {
    readonly requests: Readonly<Record<string, number>>;
    readonly fallbacks: Readonly<Record<string, number>>;
    readonly cacheEntries: number;
    readonly cacheHits: number;
  };
  /** Latency bucket bounds of `adapters` (seconds; +Inf last, implied). */
  readonly latencyBuckets?: readonly number[];
  /** Tasks this node holds, per role and state (terminal states are the outcomes). */
  readonly tasks?: ReadonlyArray<{ readonly role: string; readonly state: string; readonly count: number }>;
  /** This agent's credit balance, milli-credits. */
  readonly balance?: number;
  readonly trust?: {
    readonly receipts: number;
    readonly held: number;
    readonly agents: number;
    readonly slashed: number;
    readonly epochs: number;
    readonly entriesSent: number;
    readonly rejected: Readonly<Record<string, number>>;
  };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

export function renderOpenMetrics(
  families: readonly Family[],
  format: 'openmetrics' | 'prometheus' = 'openmetrics',
): string {
  const om = format === 'openmetrics';
  const out: string[] = [];
  for (const f of families) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)) throw new RangeError(`metric name ${f.name}`);
    if (f.unit && !f.name.endsWith(`_${f.unit}`)) throw new RangeError(`metric ${f.name} must end in _${f.unit}`);
    const sample = f.type === 'counter' ? `${f.name}_total` : f.name;
    const family = om ? f.name : sample;
    out.push(`# TYPE ${family} ${f.type}`, `# HELP ${family} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    if (f.unit && om) out.push(`# UNIT ${f.name} ${f.unit}`);
    for (const s of f.samples) {
      const labels =
        s.labels && Object.keys(s.labels).length
          ? `{${Object.entries(s.labels)
              .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
              .join(',')}}`
          : '';
      out.push(`${sample}${s.suffix ?? ''}${labels} ${num(s.value)}`);
    }
  }
  if (om) out.push('# EOF');
  return out.join('\n') + '\n';
}

/** Open file descriptors from /proc (Linux); NaN where /proc is absent rather than a made-up 0. */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return NaN;
  }
}

export function nodeFamilies(m: MetricsSnapshot): Family[] {
  return [
    {
      name: 'agentnet_verifications',
      type: 'counter',
      help: 'Verifications by tier (T0 cache hits, T1 signatures, T2 bindings, T3 attestations, T4 fraud proofs).',
      samples: by('tier', m.verified),
    },
    {
      name: 'agentnet_rejections',
      type: 'counter',
      help: 'Messages from peers rejected, by reason.',
      samples: by('reason', m.rejected),
    },
    {
      name: 'agentnet_header_bytes',
      type: 'counter',
      unit: 'bytes',
      help: 'Entry header bytes received and sent.',
      samples: [
        { labels: { direction: 'in' }, value: m.bytes.headerBytesIn },
        { labels: { direction: 'out' }, value: m.bytes.headerBytesOut },
      ],
    },
    {
      name: 'agentnet_body_bytes',
      type: 'counter',
      unit: 'bytes',
      help: 'Declaration body bytes received (pulled) and sent.',
      samples: [
        { labels: { direction: 'in' }, value: m.bytes.bodyBytesIn },
        { labels: { direction: 'out' }, value: m.bytes.bodyBytesOut },
      ],
    },
    {
      name: 'agentnet_direct_bytes',
      type: 'counter',
      unit: 'bytes',
      help: 'Direct request/reply bytes sent (gap repair, body requests).',
      samples: [{ labels: { direction: 'out' }, value: m.bytes.directBytesOut }],
    },
    {
      name: 'agentnet_body_pulls',
      type: 'counter',
      help: 'Body pulls by hash: requests sent, completed, given up.',
      samples: by('result', m.pulls),
    },
    {
      name: 'agentnet_gap_repairs',
      type: 'counter',
      help: 'Log gap repairs: ranges requested, given up.',
      samples: by('result', m.gapRepairs),
    },
    {
      name: 'agentnet_fork_proofs',
      type: 'counter',
      help: 'Fork proofs observed (two entries at one log position).',
      samples: [{ value: m.rejected['fork'] ?? 0 }],
    },
    {
      name: 'agentnet_discoveries',
      type: 'counter',
      help: 'Matching capabilities discovered for own intents.',
      samples: [{ value: m.discoveries }],
    },
    {
      name: 'agentnet_store_undecodable',
      type: 'counter',
      help: 'Own stored entries whose body no longer decodes (an older version signed it): skipped, reported once.',
      samples: [{ value: m.storeUndecodable ?? 0 }],
    },
    {
      name: 'agentnet_queue_depth',
      type: 'gauge',
      help: 'Items waiting: held out-of-order entries, body pulls, gap repairs, births awaited, driver input queue.',
      samples: by('queue', m.queues),
    },
    {
      name: 'agentnet_known_agents',
      type: 'gauge',
      help: 'Agents whose binding passed T2 (this node included).',
      samples: [{ value: m.knownAgents }],
    },
    {
      name: 'agentnet_log_entries',
      type: 'gauge',
      help: 'Entries in the local store.',
      samples: [{ value: m.entries }],
    },
    ...(m.pruned
      ? [
          {
            name: 'agentnet_pruned',
            type: 'counter' as const,
            help: 'Expired log entries of other authors and expired bodies deleted by log retention (profile logRetentionMs).',
            samples: [
              { labels: { what: 'entries' }, value: m.pruned.entries },
              { labels: { what: 'bodies' }, value: m.pruned.bodies },
            ],
          },
        ]
      : []),
    {
      name: 'agentnet_broker_up',
      type: 'gauge',
      help: '1 while the broker link is up.',
      samples: [{ value: m.link.state === 'up' ? 1 : 0 }],
    },
    {
      name: 'agentnet_broker_reconnects',
      type: 'counter',
      help: 'Broker reconnections after the first connect.',
      samples: [{ value: m.link.reconnects }],
    },
    {
      name: 'agentnet_verifier_batches',
      type: 'counter',
      help: 'Batch signature verifications run by the WASM kernel.',
      samples: [{ value: m.verifierBatches }],
    },
    {
      name: 'agentnet_uptime_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Seconds since the node started.',
      samples: [{ value: m.uptimeMs / 1000 }],
    },
    ...(m.trust ? trustFamilies(m.trust) : []),
    ...taskFamilies(m),
  ];
}

export function processFamilies(): Family[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    {
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      unit: 'bytes',
      help: 'Resident set size.',
      samples: [{ value: mem.rss }],
    },
    {
      name: 'nodejs_heap_used_bytes',
      type: 'gauge',
      unit: 'bytes',
      help: 'V8 heap in use.',
      samples: [{ value: mem.heapUsed }],
    },
    {
      name: 'nodejs_heap_total_bytes',
      type: 'gauge',
      unit: 'bytes',
      help: 'V8 heap allocated.',
      samples: [{ value: mem.heapTotal }],
    },
    {
      name: 'process_cpu_seconds',
      type: 'counter',
      unit: 'seconds',
      help: 'User and system CPU time.',
      samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
    },
    { name: 'process_open_fds', type: 'gauge', help: 'Open file descriptors.', samples: [{ value: openFds() }] },
    {
      name: 'process_start_time_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Start time of the process since the Unix epoch.',
      samples: [{ value: Math.round(Date.now() / 1000 - process.uptime()) }],
    },
    {
      name: 'process_uptime_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Seconds since the process started.',
      samples: [{ value: process.uptime() }],
    },
  ];
}

export function renderMetrics(m: MetricsSnapshot, format: 'openmetrics' | 'prometheus' = 'openmetrics'): string {
  return renderOpenMetrics([...nodeFamilies(m), ...processFamilies()], format);
}
