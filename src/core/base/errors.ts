// Errors with stable codes from closed sets (docs/conventions.md §5, 6).
//
// - DecodeError: untrusted bytes that are not a valid protocol object. Decoders throw nothing else.
// - AgentnetError: a thrown failure of a local operation; the core's codes are the store port's, the runtime's
//   (config, identity files, transports, WASM) are in src/runtime/errors.ts.
// - RejectReason: how the core classifies a peer's bad message. It is a value, never thrown out of
//   `handle*`; it is counted in status and emitted as an event. Local conduct (trust/conduct.ts) takes only
//   violations provably the author's, never a RejectReason on its own.

export const DECODE_CODES = [
  'TOO_LARGE', // input or an item beyond a limit (docs/architecture.md §3 limits)
  'TRUNCATED', // input ends inside an item
  'TRAILING', // bytes after the top-level item
  'NON_CANONICAL', // not the shortest form, or unsorted map keys (RFC 8949 §4.2.1)
  'INDEFINITE', // indefinite-length item (forbidden by §4.2.1)
  'DUPLICATE_KEY',
  'TOO_DEEP',
  'UNSUPPORTED', // floats, undefined, simple values, unknown tags, integers beyond 2^53
  'BAD_UTF8',
  'BAD_TYPE', // a field of the wrong CBOR type
  'BAD_VALUE', // a field outside its range or size
  'MISSING_FIELD',
  'UNKNOWN_FIELD',
  'BAD_VERSION',
  'BAD_COSE', // structure of COSE_Sign1 / COSE_Sign, algorithm, content type
] as const;
export type DecodeCode = (typeof DECODE_CODES)[number];

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeCode,
    message: string,
    /** The field of the object's table (codec/schema.ts) the error is about, by name, e.g. `price`, `tags[3]`. */
    readonly field?: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export const decodeError = (code: DecodeCode, message: string, field?: string): DecodeError =>
  new DecodeError(code, message, field);

/**
 * Codes of the errors the core itself throws: misuse of the log store port (src/core/log/store.ts), which every
 * store raises alike (the in-memory one here, SQLite in the runtime). The runtime adds its own codes (config,
 * identity files, store full or corrupt, transports, WASM kernels) in src/runtime/errors.ts; together they are the
 * one closed set `ERROR_CODES` there.
 */
export const CORE_ERROR_CODES = ['STORE_CLOSED', 'LOG_CONFLICT'] as const;
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];

/** A thrown failure of a local operation with a stable code (docs/conventions.md §6). */
export class AgentnetError<C extends string = CoreErrorCode> extends Error {
  override readonly name: string = 'AgentnetError';
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** One small factory per code (hypercore-errors style); the runtime's are in src/runtime/errors.ts. */
export const CORE_ERR = {
  storeClosed: (m: string) => new AgentnetError('STORE_CLOSED', m),
  logConflict: (m: string) => new AgentnetError('LOG_CONFLICT', m),
};

/** Why the core refused a peer's message. Closed set; counted per reason in status. */
export const REJECT_REASONS = [
  'malformed', // DecodeError on the message or an object inside it
  'oversized', // beyond a size limit: refused unread (transport, message limit) or by a decoder (TOO_LARGE)
  'bad_signature', // T1/T2 signature check failed
  'unknown_author', // no verified binding for the author (yet); held, then dropped on timeout
  'binding_invalid', // T2: baid mismatch, wrong operator signature, broken chain
  'binding_expired', // T2: outside notBefore..notAfter
  'out_of_scope', // entry topic not in the binding's scope
  'body_hash_mismatch', // pulled body does not hash to the header's bodyHash/bodyLen
  'fork', // same (author, topic, epoch, seq) with another id: fork proof
  'broken_chain', // seq = head + 1 but prev is not our head's id (the author signed another entry there)
  'stale', // older than the log head (replay): no-op
  'gap', // seq beyond head + 1: held, gap requested
  'future', // ts beyond the clock-skew tolerance
  'expired', // past its expiry
  'wrong_topic', // header arrived on a channel that does not match its topic
  'revoked', // the agent key (or its binding) was revoked by its operator
  'attestation_failed', // T3: checkpoint, inclusion proof or credential does not hold
  'quarantined', // the author was proven to fork its log (a verified fork proof): refused in every topic
  'no_continuation', // a log epoch > 0 without a valid operator-signed continuation record
  'bad_fork_proof', // a fork proof that does not prove a fork (other positions, same entry, bad signature)
  'rate_limited', // beyond the peer's budget (flood): dropped before the log (core/gossip/gate.ts)
  'bad_dispute_proof', // a dispute proof that proves nothing (one award, same worker, another signer, bad signature)
  'bad_delivery_proof', // a bad-delivery proof that proves nothing (the artefact passes the check, not the delivered one, bad signature)
  'death_mismatch', // a death naming a binding (by hash) other than the one held for its author
  'unsigned_request', // a getEntries / getBody without the requester's signature (direct types 1, 3): never answered
  'misaddressed', // a signed request addressed to another node (its `to`): not answered
  'replayed_request', // a signed request not newer than the last one answered for its requester: not answered
  'sketch_overfull', // an entry's sketch has more bits set than 32 items can set (docs/spec/sketch.md): its body is not pulled
  'wrong_path', // a birth or frontier under another agent's or topic's path (n/{author}, f/{topic}/{author})
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * The reason a DecodeError is counted under: input or an item beyond a size limit is `oversized` (the
 * same reason as a message refused for its size before decoding, or dropped unread by the transport),
 * anything else `malformed`.
 */
export const decodeReason = (e: DecodeError): 'oversized' | 'malformed' =>
  e.code === 'TOO_LARGE' ? 'oversized' : 'malformed';
