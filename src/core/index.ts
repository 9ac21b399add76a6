// The public surface of the core: what the runtime, the simulator, the CLI and an embedding program build a node
// from (docs/architecture.md §2). Layer by layer, bottom first: the ground floor (bytes, errors, ports, counters,
// the broker semantics of the hub), the node's channels and events, the wire objects, the log store port, identity,
// tasks, trust, the local API's request tables, and the node's cores. Modules inside the folders stay importable
// for tests and tools; code outside the core should need nothing beyond this file.

export * from './base/bytes.js';
export * from './base/errors.js';
export * from './base/ports.js';
export * from './base/counters.js';
export * from './base/hub.js';
export * from './types.js';

export { decodeCbor, encodeCbor, type CborValue } from './codec/cbor.js';
export { DEFAULT_LIMITS, type Limits } from './codec/limits.js';
export { decodeEntry, encodeEntry, entryToBeSigned, type Entry, type Kind } from './codec/entry.js';
export { decodeBody, encodeBody, type Body } from './codec/body.js';
export { decodeBinding, encodeBinding, type Binding } from './codec/binding.js';
export { FieldError } from './codec/schema.js';
export { decodeReceipt, encodeReceipt, type Receipt } from './codec/receipt.js';

export type { LogStore, StoredEntry } from './log/store.js';
export { MemoryStore } from './log/memory-store.js';

export { checkBinding, makeBinding } from './identity/binding.js';
export { IdentityTiers } from './identity/tiers.js';
export { TaskEngine } from './task/task-engine.js';
export type { CreditLedger } from './task/ledger.js';
export { MemoryCreditLedger } from './task/ledger.js';
export { NodeTrust, type NodeTrustOptions } from './trust/node-trust.js';
export { validate } from './api/requests.js';

export { AgentCore, type AgentOptions } from './agent.js';
