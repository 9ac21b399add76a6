// The errors only the runtime raises, with stable codes from closed sets (docs/conventions.md §6). The core's own
// (DecodeError, RejectReason, the store port's STORE_CLOSED / LOG_CONFLICT) are in src/core/base/errors.ts; this module
// re-exports `AgentnetError` so runtime code imports its errors from one place.
//
// - AgentnetError with a code of `ERROR_CODES`: a thrown failure of a local operation (config, profile, identity
//   files, store, transport, WASM kernel). The local API maps STORE_FULL and CONFIG_INVALID to its own codes
//   (src/runtime/api/server.ts); the CLI prints the code and exits by class (src/cli/main.ts).
// - WasmLoadError: an AgentnetError WASM_LOAD_FAILED that also says which kernel and how loading failed.
// - AdapterError: why a work adapter's run produced nothing (ADAPTER_FAILURES).

import { AgentnetError, CORE_ERR, CORE_ERROR_CODES } from '../core/base/errors.js';

export { AgentnetError };

/** Codes the runtime adds to the core's. */
export const RUNTIME_ERROR_CODES = [
  'CONFIG_INVALID',
  'PROFILE_INVALID',
  'IDENTITY_MISSING',
  'IDENTITY_INVALID',
  'STORE_CORRUPT',
  'STORE_FULL',
  'TRANSPORT_FAILED',
  'WASM_LOAD_FAILED',
] as const;

/** Every code an AgentnetError may carry: the core's and the runtime's. */
export const ERROR_CODES = [...RUNTIME_ERROR_CODES, ...CORE_ERROR_CODES] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Which step of loading a WASM kernel failed. */
export type WasmLoadFailure =
  | 'missing' // no .wasm file where the loader looks (run `npm run build:wasm`)
  | 'invalid' // the bytes do not compile or instantiate
  | 'abi' // the kernel's ABI version is not the one its loader was written for
  | 'aborted'; // the kernel called env.abort

/** Loading or running a WASM kernel failed (code WASM_LOAD_FAILED, for the API and the CLI). */
export class WasmLoadError extends AgentnetError<'WASM_LOAD_FAILED'> {
  override readonly name: string = 'WasmLoadError';
  constructor(
    /** The kernel's file name without `.wasm` (ed25519, ed25519.simd, eigentrust, probe). */
    readonly kernel: string,
    readonly failure: WasmLoadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('WASM_LOAD_FAILED', `${kernel} (${failure}): ${message}`, options);
  }
}

/** One small factory per code (hypercore-errors style), the core's included. */
export const ERR = {
  ...CORE_ERR,
  configInvalid: (m: string) => new AgentnetError('CONFIG_INVALID', m),
  profileInvalid: (m: string) => new AgentnetError('PROFILE_INVALID', m),
  identityMissing: (m: string) => new AgentnetError('IDENTITY_MISSING', m),
  identityInvalid: (m: string) => new AgentnetError('IDENTITY_INVALID', m),
  storeCorrupt: (m: string, cause?: unknown) => new AgentnetError('STORE_CORRUPT', m, { cause }),
  storeFull: (m: string, cause?: unknown) => new AgentnetError('STORE_FULL', m, { cause }),
  transportFailed: (m: string, cause?: unknown) => new AgentnetError('TRANSPORT_FAILED', m, { cause }),
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
