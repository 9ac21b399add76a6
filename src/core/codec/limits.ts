// Size limits (docs/architecture.md §3). Defaults; a firmware profile may lower them, never raise them.

import { PATTERNS } from './schema.js';

export interface Limits {
  /** Encoded COSE_Sign1 entry (the bodyless header), bytes. */
  readonly headerBytes: number;
  /** Encoded declaration body, bytes. */
  readonly bodyBytes: number;
  /** Any one network message (frame), bytes. */
  readonly messageBytes: number;
  /** Topic name, bytes of [a-z0-9_.-]. */
  readonly topicBytes: number;
  /** Tags per body and bytes per tag. */
  readonly maxTags: number;
  readonly tagBytes: number;
  /** Free text in a body, bytes. */
  readonly textBytes: number;
  /** Encoded binding, bytes. */
  readonly bindingBytes: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  headerBytes: 512,
  bodyBytes: 64 * 1024,
  messageBytes: 128 * 1024,
  topicBytes: 64,
  maxTags: 32,
  tagBytes: 48,
  textBytes: 16 * 1024,
  bindingBytes: 2048,
});

/** Topic names: 1..64 bytes of [a-z0-9_.-] (docs/architecture.md §3); safe as an MQTT topic level. */
export const TOPIC_RE = PATTERNS.topic.re;
/** Tags: dotted lowercase words, e.g. `code.review.security` (prefixes feed the sketch). */
export const TAG_RE = PATTERNS.tag.re;

export function lowerLimits(base: Limits, over: Partial<Limits>): Limits {
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    if (cur === undefined) throw new RangeError(`limits: unknown limit ${k}`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new RangeError(`limits: ${k} must be a positive integer`);
    out[k] = Math.min(cur, v);
  }
  return Object.freeze(out) as unknown as Limits;
}
