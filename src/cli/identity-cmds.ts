// `agentnet keygen`, `agentnet bind`, `agentnet inspect`, `agentnet continue`.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Decoder } from 'cbor-x';
import { fromHex, toHex } from '../core/bytes.js';
import { decodeBinding } from '../core/codec/binding.js';
import { decodeCbor } from '../core/codec/cbor.js';
import { decodeEntry } from '../core/codec/entry.js';
import { decodeBirth, decodeDirect, decodeFrontier } from '../core/codec/messages.js';
import { decodeRevocation } from '../core/codec/attest.js';
import { decodeBody } from '../core/codec/body.js';
import { decodeContinuation, decodeForkProof } from '../core/codec/fork-proof.js';
import { decodeReceipt } from '../core/codec/receipt.js';
import { decodeComplaint } from '../core/task/complaint.js';
import { decodeTaskMsg } from '../core/task/codec.js';
import { decodeDisputeProof } from '../core/task/dispute.js';
import { DEFAULT_LIMITS, TOPIC_RE } from '../core/codec/limits.js';
import { DecodeError } from '../core/errors.js';
import { makeCryptoPort } from '../runtime/crypto-port.js';
import { bind, continueEpoch, keygen, readSecret, writeFileAtomic } from '../runtime/identity.js';
import { defaultVerifier } from '../runtime/verifier.js';
import { intFlag, UsageError } from './args.js';

export async function cmdKeygen(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help || !values.out) {
    console.log(
      'Usage: agentnet keygen --out FILE\n\nWrites a new Ed25519 seed as hex to FILE (mode 0600) and the public key to FILE.pub.\nExit codes: 0 written, 2 usage error or unreadable/invalid input file, 3 runtime failure.\nExample: agentnet keygen --out agent.key',
    );
    return values.help ? 0 : 2;
  }
  const r = keygen(makeCryptoPort(defaultVerifier()), values.out);
  console.log(JSON.stringify(r));
  return 0;
}

export async function cmdBind(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'operator-key': { type: 'string' },
      'agent-key': { type: 'string' },
      'code-hash': { type: 'string' },
      days: { type: 'string' },
      scope: { type: 'string' },
      bond: { type: 'string' },
      previous: { type: 'string' },
      'next-key': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values['operator-key'] || !values['agent-key'] || !values.out) {
    console.log(`Usage: agentnet bind --operator-key FILE --agent-key FILE --out FILE [--code-hash HEX] [--days N]
                     [--scope topic1,topic2] [--bond CREDITS] [--previous OLD_BINDING] [--next-key PUB]

Makes a BAID binding (COSE_Sign by the operator and the agent) of the agent key to the operator key and
the code hash (default: SHA-256 of this agentnet build). --previous makes the next version of a binding.
--next-key commits to the next agent key (pre-rotation): a later 'rotate' must use exactly that key.
Exit codes: 0 written, 2 usage error or unreadable/invalid input file, 3 runtime failure.
Example: agentnet bind --operator-key operator.key --agent-key agent.key --days 90 --out binding.cbor`);
    return values.help ? 0 : 2;
  }
  const scope = values.scope ? values.scope.split(',') : [];
  for (const t of scope) if (!TOPIC_RE.test(t)) throw new UsageError(`--scope: invalid topic ${JSON.stringify(t)}`);
  const codeHash = values['code-hash'] ? fromHex(values['code-hash'], '--code-hash') : undefined;
  if (codeHash && codeHash.length !== 32) throw new UsageError('--code-hash must be 64 hex characters');
  const c = makeCryptoPort(defaultVerifier());
  const bytes = bind(c, {
    operatorSecret: readSecret(values['operator-key']),
    agentSecret: readSecret(values['agent-key']),
    now: Date.now(),
    days: intFlag(values.days, 'days', 365, 1, 3650),
    scope,
    ...(codeHash ? { codeHash } : {}),
    ...(values.bond ? { bond: intFlag(values.bond, 'bond', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
    ...(values.previous ? { previous: new Uint8Array(readFileSync(values.previous)) } : {}),
    ...(values['next-key'] ? { nextKey: nextKeyArg(values['next-key']) } : {}),
  });
  writeFileAtomic(values.out, bytes, 0o644);
  const b = decodeBinding(bytes, DEFAULT_LIMITS).binding;
  console.log(
    JSON.stringify({
      out: values.out,
      baid: toHex(b.baid),
      agentKey: toHex(b.agentKey),
      operatorKey: toHex(b.operatorKey),
      version: b.version,
      notAfter: new Date(b.notAfter).toISOString(),
    }),
  );
  return 0;
}

function nextKeyArg(v: string): Uint8Array {
  const s = existsSync(v) ? readFileSync(v, 'utf8').trim() : v;
  if (!/^[0-9a-f]{64}$/i.test(s)) throw new UsageError('--next-key: expected a public key (64 hex) or a .pub file');
  return fromHex(s);
}

/** Lenient view through cbor-x (shows what is there even when it is not canonical), then our verdict. */
export async function cmdInspect(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || (!values.file && !positionals[0])) {
    console.log(
      'Usage: agentnet inspect (HEX | FILE | --file FILE)\n\nPrints the CBOR structure (lenient) and what agentnet object it is, or why it is rejected.\nExit codes: 0 canonical agentnet data, 1 not (the reason is printed), 2 usage error.\nExample: agentnet inspect --file identity/binding.cbor',
    );
    return values.help ? 0 : 2;
  }
  // A positional that is not hex is taken as a file path when such a file exists (`inspect birth.cbor`).
  const arg = values.file ?? positionals[0]!;
  const isHex = !values.file && /^(?:[0-9a-fA-F]{2})+$/.test(arg);
  if (!isHex && !existsSync(arg))
    throw new UsageError(
      values.file ? `${arg} not found` : `${JSON.stringify(arg)} is neither hex nor an existing file`,
    );
  const bytes = isHex ? fromHex(arg, 'HEX') : new Uint8Array(readFileSync(arg));
  let lenient: unknown;
  try {
    lenient = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(bytes);
  } catch (e) {
    lenient = `not CBOR: ${(e as Error).message}`;
  }
  console.log('cbor (lenient):', lenient);
  const attempts: Array<[string, () => unknown]> = [
    ['entry', () => decodeEntry(bytes, DEFAULT_LIMITS).entry],
    ['binding', () => decodeBinding(bytes, DEFAULT_LIMITS).binding],
    ['birth', () => decodeBirth(bytes, DEFAULT_LIMITS).birth],
    ['frontier', () => decodeFrontier(bytes, DEFAULT_LIMITS).frontier],
    ['receipt', () => decodeReceipt(bytes).receipt],
    ['revocation', () => decodeRevocation(bytes).revocation],
    ['fork proof', () => decodeForkProof(bytes, DEFAULT_LIMITS).map((e) => decodeEntry(e, DEFAULT_LIMITS).entry)],
    ['continuation', () => decodeContinuation(bytes).continuation],
    ['task message', () => decodeTaskMsg(bytes, DEFAULT_LIMITS).msg],
    ['dispute proof', () => decodeDisputeProof(bytes, DEFAULT_LIMITS)],
    ['complaint', () => decodeComplaint(bytes).complaint],
    ['direct message', () => decodeDirect(bytes, DEFAULT_LIMITS)],
    ['body', () => decodeBody(bytes, DEFAULT_LIMITS)],
  ];
  const reasons: string[] = [];
  for (const [name, f] of attempts) {
    try {
      console.log(`agentnet ${name}:`, f());
      return 0;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      reasons.push(`${name}: ${e.message}`);
    }
  }
  try {
    decodeCbor(bytes, { maxBytes: DEFAULT_LIMITS.messageBytes, tags: [18, 98] });
    console.log('canonical CBOR, but not an agentnet object:\n  ' + reasons.join('\n  '));
  } catch (e) {
    console.log(`rejected: ${(e as Error).message}`);
  }
  return 1;
}

export async function cmdContinue(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, 'operator-key': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || !values.data) {
    console.log(`Usage: agentnet continue --data DIR [--operator-key FILE]

For a node restored from a backup that may be older than what its peers saw: starts the next log
epoch. Signs a continuation record (epoch = current + 1) with the operator key (default
DIR/identity/operator.key) and writes DIR/identity/continuation.cbor; the node writes in the new epoch
from its next start, and peers accept that epoch because the operator signed it. Restarting without it
on a restored store would sign a second history in the same epoch: a fork, and peers quarantine the agent.
Exit codes: 0 written, 2 usage error or missing/invalid identity, 3 runtime failure.
Example: agentnet continue --data /var/lib/agentnet`);
    return values.help ? 0 : 2;
  }
  const r = continueEpoch(makeCryptoPort(defaultVerifier()), values.data, values['operator-key'], Date.now());
  console.log(JSON.stringify(r));
  return 0;
}
