// `agentnet keygen`, `agentnet bind`, `agentnet inspect` (./inspect.ts), `agentnet continue`.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fromHex, toHex } from '../core/base/bytes.js';
import { decodeBinding } from '../core/codec/binding.js';
import { DEFAULT_LIMITS, TOPIC_RE } from '../core/codec/limits.js';
import { makeCryptoPort } from '../runtime/crypto-port.js';
import { bind, continueEpoch, keygen, readSecret, writeFileAtomic } from '../runtime/identity.js';
import { defaultVerifier } from '../runtime/verifier.js';
import { intFlag, UsageError } from './args.js';
import { inspectBytes } from './inspect.js';

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

const MARK = { true: 'ok  ', false: 'FAIL', null: '??  ' } as const;

/** Lenient view through cbor-x, then which agentnet object it is and every signature in it (./inspect.ts). */
export async function cmdInspect(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help || (!values.file && !positionals[0])) {
    console.log(`Usage: agentnet inspect (HEX | FILE | --file FILE) [--json]

Prints the CBOR structure (lenient, byte strings in hex), which agentnet object it is (or why each decoder
refuses it), and checks every signature it carries with the key it names or embeds, nested objects included
(a birth's binding, an invite's entry, a fork proof's entries, ...). Keys, hashes and signatures are hex.
--json prints {object, value, signatures: [{what, key, ok, detail}], ok, reasons}.
Exit codes: 0 an agentnet object whose signatures all verify, 1 not an agentnet object or a signature failed
(each failed one is named), 2 usage error.
Example: agentnet inspect --file identity/binding.cbor`);
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
  const r = inspectBytes(makeCryptoPort(defaultVerifier()), bytes);
  const failed = r.signatures.filter((x) => x.ok === false);
  const ok = r.object !== null && failed.length === 0;
  if (values.json) {
    console.log(
      JSON.stringify({ object: r.object, value: r.value, signatures: r.signatures, ok, reasons: r.reasons }, null, 2),
    );
    return ok ? 0 : 1;
  }
  console.log(`cbor (lenient): ${JSON.stringify(r.lenient, null, 2)}`);
  if (r.object === null) {
    console.log(`not an agentnet object:\n  ${r.reasons.join('\n  ')}`);
    return 1;
  }
  console.log(`agentnet ${r.object}: ${JSON.stringify(r.value, null, 2)}`);
  if (r.signatures.length) {
    console.log('signatures:');
    for (const x of r.signatures)
      console.log(
        `  ${MARK[String(x.ok) as keyof typeof MARK]} ${x.what}${x.key ? ` (key ${x.key})` : ''}${x.ok === null ? `: not checkable, ${x.detail}` : x.detail ? `: ${x.detail}` : ''}`,
      );
  } else console.log('signatures: none (an unsigned object)');
  const checked = r.signatures.filter((x) => x.ok !== null).length;
  console.log(
    failed.length
      ? `verdict: ${failed.length} of ${checked} checks FAILED: ${failed.map((x) => x.what).join('; ')}`
      : `verdict: ok (${checked} checks passed)`,
  );
  return ok ? 0 : 1;
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
