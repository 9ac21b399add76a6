// A received message decoded once (docs/architecture.md §9 "The message path"): the node core parses every message
// of a batch into one of these records, and the flood gate, the batch signature check and the receive path all
// read the same decoded objects. Headers become a SignedEntry, direct messages a Direct (with the entries inside an
// `entries` reply decoded too); the other channels are decoded by their own handler, once, on the way in.
// A message that does not decode is kept with its DecodeError, which the core turns into its reject reason.
// Given a hash, each decoded entry carries its id (SHA-256 of its bytes) from here on, so the batch signature
// check can skip the entries whose id passed T1 before (known duplicates) and the receiver hashes nothing again.

import { DecodeError } from '../base/errors.js';
import type { Channel } from '../channels.js';
import { decodeEntry, type SignedEntry } from './entry.js';
import type { Limits } from './limits.js';
import { decodeDirect, type Direct } from './messages.js';

interface Base {
  readonly channel: Channel;
  readonly key: string;
  readonly bytes: Uint8Array;
}

export type ParsedMessage =
  /** Larger than `limits.messageBytes`: refused unread. */
  | (Base & { readonly kind: 'oversized' })
  /** Did not decode on its channel. */
  | (Base & { readonly kind: 'malformed'; readonly error: DecodeError })
  | (Base & { readonly kind: 'header'; readonly se: SignedEntry })
  /** `entries`: one decoded entry (or the error it failed with) per entry of an `entries` reply, in order. */
  | (Base & {
      readonly kind: 'direct';
      readonly d: Direct;
      readonly entries: ReadonlyArray<SignedEntry | DecodeError>;
    })
  /** body, birth, frontier, fraud, revocation: decoded by their handler in the receive path. */
  | (Base & { readonly kind: 'raw' });

/** The entry id's hash (the crypto port's SHA-256). */
export type EntryHash = (bytes: Uint8Array) => Uint8Array;

/**
 * Decodes one received message; throws nothing but bugs (a DecodeError is kept in the record). With `hash`, every
 * decoded entry carries its id (SignedEntry.id).
 */
export function parseMessage(
  channel: Channel,
  key: string,
  bytes: Uint8Array,
  limits: Limits,
  hash?: EntryHash,
): ParsedMessage {
  if (bytes.length > limits.messageBytes) return { kind: 'oversized', channel, key, bytes };
  try {
    if (channel === 'header') return { kind: 'header', channel, key, bytes, se: identified(bytes, limits, hash) };
    if (channel === 'direct') {
      const d = decodeDirect(bytes, limits);
      const entries = d.type === 'entries' ? d.entries.map((b) => decodeOrError(b, limits, hash)) : [];
      return { kind: 'direct', channel, key, bytes, d, entries };
    }
  } catch (e) {
    if (e instanceof DecodeError) return { kind: 'malformed', channel, key, bytes, error: e };
    throw e;
  }
  return { kind: 'raw', channel, key, bytes };
}

function identified(b: Uint8Array, limits: Limits, hash: EntryHash | undefined): SignedEntry {
  const se = decodeEntry(b, limits);
  return hash ? { ...se, id: hash(b) } : se;
}

function decodeOrError(b: Uint8Array, limits: Limits, hash: EntryHash | undefined): SignedEntry | DecodeError {
  try {
    return identified(b, limits, hash);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

/** The decoded entries of a parsed message (a header's one, a direct reply's valid ones). */
export function entriesOf(p: ParsedMessage): SignedEntry[] {
  if (p.kind === 'header') return [p.se];
  if (p.kind === 'direct') return p.entries.filter((x): x is SignedEntry => !(x instanceof DecodeError));
  return [];
}
