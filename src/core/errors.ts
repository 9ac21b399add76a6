// Errors with stable codes from closed sets (docs/conventions.md §5, 6).
//
// - DecodeError: untrusted bytes that are not a valid protocol object. Decoders throw nothing else.
// - AgentnetError: a thrown failure of a local operation (config, store, identity files, transport).
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

export const ERROR_CODES = [
  'CONFIG_INVALID',
  'PROFILE_INVALID',
  'IDENTITY_MISSING',
  'IDENTITY_INVALID',
  'STORE_CORRUPT',
  'STORE_FULL',
  'STORE_CLOSED',
  'TRANSPORT_FAILED',
  'WASM_LOAD_FAILED',
  'LOG_CONFLICT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AgentnetError extends Error {
  override readonly name = 'AgentnetError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** One small factory per code (hypercore-errors style). */
export const ERR = {
  configInvalid: (m: string) => new AgentnetError('CONFIG_INVALID', m),
  profileInvalid: (m: string) => new AgentnetError('PROFILE_INVALID', m),
  identityMissing: (m: string) => new AgentnetError('IDENTITY_MISSING', m),
  identityInvalid: (m: string) => new AgentnetError('IDENTITY_INVALID', m),
  storeCorrupt: (m: string, cause?: unknown) => new AgentnetError('STORE_CORRUPT', m, { cause }),
  storeFull: (m: string, cause?: unknown) => new AgentnetError('STORE_FULL', m, { cause }),
  storeClosed: (m: string) => new AgentnetError('STORE_CLOSED', m),
  transportFailed: (m: string, cause?: unknown) => new AgentnetError('TRANSPORT_FAILED', m, { cause }),
  wasmLoadFailed: (m: string, cause?: unknown) => new AgentnetError('WASM_LOAD_FAILED', m, { cause }),
  logConflict: (m: string) => new AgentnetError('LOG_CONFLICT', m),
};

/** Why a work adapter's run (worker or rater, src/runtime/adapters/) produced nothing. Closed set; counted per
 *  adapter in /metrics and shown on the task (`adapter.failure`). */
export const ADAPTER_FAILURES = [
  'timeout', // no result within the adapter's timeoutMs
  'exit', // the command exited non-zero or was killed by a signal
  'spawn', // the command (or MCP server) could not be started
  'oversize', // output beyond maxOutputBytes
  'malformed', // a reply that is not what the protocol of the adapter says (no JSON, no content, no score)
  'unreachable', // the endpoint did not answer (connection refused, DNS, TLS)
  'status', // the endpoint answered with an HTTP error status
  'tool_error', // the MCP tool answered isError, or the server refused the call
  'capacity', // concurrency and queue full
  'late', // a result came after the task's window closed
] as const;
export type AdapterFailure = (typeof ADAPTER_FAILURES)[number];

export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  constructor(
    readonly failure: AdapterFailure,
    message: string,
  ) {
    super(`${failure}: ${message}`);
  }
}

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
