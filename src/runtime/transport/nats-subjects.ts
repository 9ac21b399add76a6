// The NATS mapping of agentnet's channels, in one table (docs/transports.md "NATS"):
//
//   channel     letter  subject                                      retained in (KV bucket, key)
//   header      h       agentnet.v1.{network}.h.{topic}              -
//   direct      d       agentnet.v1.{network}.d.{agent}              -
//   birth       n       agentnet.v1.{network}.n.{author}             agentnet-{network}-state      n.{author}
//   fraud       x       agentnet.v1.{network}.x.{author}             agentnet-{network}-state      x.{author}
//   revocation  r       agentnet.v1.{network}.r.{agent}              agentnet-{network}-state      r.{agent}
//   frontier    f       agentnet.v1.{network}.f.{topic}.{author}     agentnet-{network}-frontiers  f.{topic}.{author}
//   body        b       agentnet.v1.{network}.b.{bodyHash}           agentnet-{network}-bodies     b.{bodyHash}
//
// plus two buckets for liveness (nats-liveness.ts), agentnet-{network}-wills and -leases, republished on
// agentnet.v1.{network}.will.{key} and .lease.{key}. A retained value is a put into its bucket (JetStream,
// one value per key, replicated); the bucket republishes every value it stored on the channel's subject
// (JetStream RePublish), so subscribers, a leaf node's included, get it live from core NATS, and only once
// it is stored. Live channels are plain core NATS publishes on the same subject space.
// Key levels (MQTT's `/`) become subject tokens (`.`); a `.` inside a level (topics may have one, the keys of
// double-award and bad-delivery proofs end in `.award`, `.delivery`) is written `_D`, which no level contains
// (they are lowercase), so the mapping is one to one; the MQTT wildcard `+` is NATS's `*`.

import { CHANNEL, CHANNEL_LETTER, LETTER_CHANNEL, type Channel, type RetainedChannel } from '../../core/channels.js';

export type BucketClass = 'state' | 'frontiers' | 'bodies' | 'wills' | 'leases';

/**
 * The bucket of each retained channel of the channel table (core/channels.ts; a retained row without a bucket
 * does not compile); live channels are plain core NATS publishes.
 */
export const BUCKET_OF: { readonly [C in RetainedChannel]: BucketClass } = {
  birth: 'state',
  fraud: 'state',
  revocation: 'state',
  frontier: 'frontiers',
  body: 'bodies',
};

/** Where a channel's retained values are kept, or undefined for a live channel. */
export const retainedIn = (c: Channel): BucketClass | undefined =>
  CHANNEL[c].retained ? BUCKET_OF[c as RetainedChannel] : undefined;

const MiB = 1024 * 1024;
const DAY_MS = 24 * 3600_000;

/**
 * Bounds of each bucket when this transport creates it (416 MiB per network in all: JetStream reserves a
 * bucket's max bytes in every replica's store, so a server's `max_file_store` must cover its networks) (an operator may create the buckets beforehand
 * with other bounds; they are then used as they are). One value per key; `maxAgeMs` 0 keeps a value until
 * it is replaced or deleted. A value larger than `maxValueBytes`, or a put into a full bucket, is refused
 * by the server (KV buckets discard new): counted as `retainedRefused` in the transport's stats.
 */
export const BUCKET_BOUNDS: Record<Exclude<BucketClass, 'leases'>, { maxBytes: number; maxAgeMs: number }> &
  Record<'leases', { maxBytes: number }> = {
  state: { maxBytes: 64 * MiB, maxAgeMs: 0 },
  frontiers: { maxBytes: 64 * MiB, maxAgeMs: 7 * DAY_MS },
  bodies: { maxBytes: 256 * MiB, maxAgeMs: 7 * DAY_MS },
  wills: { maxBytes: 16 * MiB, maxAgeMs: 0 },
  // A lease lives for the Will Delay (nats-liveness.ts): its max age is the delay, set at creation.
  leases: { maxBytes: 16 * MiB },
};
/** Largest value any bucket accepts: the core's largest message (codec/limits.ts messageBytes, 128 KiB). */
export const MAX_VALUE_BYTES = 128 * 1024;

/** Where a bucket republishes what it stores, under agentnet.v1.{network} ('' = the channels' own subjects). */
export const REPUBLISHED_AS: Record<BucketClass, string> = {
  state: '',
  frontiers: '',
  bodies: '',
  wills: '.will',
  leases: '.lease',
};

/** Header carrying a retained value's lifetime in ms (MQTT's Message Expiry), counted from its storage time. */
export const TTL_HEADER = 'Agentnet-TTL-Ms';

const escapeLevel = (level: string) => (level === '+' ? '*' : level.replaceAll('.', '_D'));
const unescapeToken = (token: string) => (token === '*' ? '+' : token.replaceAll('_D', '.'));

/** Characters a key level may hold (topics, hex keys, `+`, the `.award` suffix). */
const LEVEL_RE = /^(?:\+|[A-Za-z0-9_.=-]+)$/;

export class NatsNames {
  readonly root: string;
  readonly net: string;

  constructor(network: string) {
    this.net = network.replaceAll('.', '_D');
    this.root = `agentnet.v1.${this.net}`;
  }

  bucket(c: BucketClass): string {
    return `agentnet-${this.net}-${c}`;
  }

  /** `{letter}.{token}...` for a channel and an MQTT-style key; throws TypeError on a key NATS cannot carry. */
  keyOf(channel: Channel, key: string): string {
    const levels = key.split('/');
    for (const l of levels)
      if (!LEVEL_RE.test(l)) throw new TypeError(`nats transport: key ${JSON.stringify(key)} cannot be a subject`);
    return `${CHANNEL_LETTER[channel]}.${levels.map(escapeLevel).join('.')}`;
  }

  /** The subject a channel's message for `key` travels on (a filter when the key has `+`). */
  subjectOf(channel: Channel, key: string): string {
    return `${this.root}.${this.keyOf(channel, key)}`;
  }

  /** The subject a retained channel's value for `key` is stored under, or undefined for a live channel. */
  storeOf(channel: Channel, key: string): string | undefined {
    const c = retainedIn(channel);
    return c ? `$KV.${this.bucket(c)}.${this.keyOf(channel, key)}` : undefined;
  }

  /** Where bucket `c` republishes: `{src, dest}` of its stream's RePublish. */
  republish(c: BucketClass): { src: string; dest: string } {
    return { src: `$KV.${this.bucket(c)}.>`, dest: `${this.root}${REPUBLISHED_AS[c]}.>` };
  }

  /** The channel and MQTT-style key of a received subject, or undefined for a subject of no channel. */
  parse(subject: string): { channel: Channel; key: string } | undefined {
    if (!subject.startsWith(`${this.root}.`)) return undefined;
    const tokens = subject.slice(this.root.length + 1).split('.');
    const channel = LETTER_CHANNEL[tokens[0]!];
    if (!channel || tokens.length < 2) return undefined;
    return { channel, key: tokens.slice(1).map(unescapeToken).join('/') };
  }
}
