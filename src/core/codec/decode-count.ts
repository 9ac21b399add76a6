// How many times the receive path's two decoders ran (entries and direct messages): a module-level tally read by
// the test that shows each received message is decoded once (test/unit/node-core.test.ts, docs/architecture.md §9).
// Incrementing a number is all it costs; nothing in the protocol reads it.

export const DECODE_COUNT = { entry: 0, direct: 0 };
