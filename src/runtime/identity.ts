// Identity files of a node (data directory `identity/`), and the `keygen`/`bind` tools.
//
//   identity/agent.key      hex Ed25519 seed of the agent key (mode 0600)
//   identity/operator.key   hex seed of the operator key, only for a self-operated node (embedded
//                           defaults); a real operator keeps it elsewhere and ships binding.cbor
//   identity/binding.cbor   the BAID binding (COSE_Sign by operator and agent)
//   identity/continuation.cbor  optional: the operator-signed continuation record of the log epoch this
//                           node writes in (`agentnet continue`, after a restore from backup, docs/architecture.md §4)
//
// With no identity, `agentnet run` creates a self-operated one: fresh agent and operator keys, and a
// binding to the hash of the running code, valid 365 days. A binding that expires within 7 days is
// renewed (version + 1, prev = hash of the old one) when the operator key is present.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../core/base/bytes.js';
import { decodeBinding, type Binding, type ConfigHashes } from '../core/codec/binding.js';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import { DecodeError } from '../core/base/errors.js';
import { ERR } from './errors.js';
import { decodeContinuation } from '../core/codec/fork-proof.js';
import { checkBinding, makeBinding } from '../core/identity/binding.js';
import { checkContinuation, makeContinuation } from '../core/identity/continuation.js';
import type { CryptoPort } from '../core/base/ports.js';
import { randomSecret, sha256 } from './crypto-port.js';

const DAY = 86_400_000;

/** Writes via a temp file and rename, so a crash never leaves a half-written key or binding. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
  chmodSync(path, mode);
}

export function readSecret(path: string): Uint8Array {
  if (!existsSync(path)) throw ERR.identityMissing(`key file ${path} not found`);
  const s = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(s)) throw ERR.identityInvalid(`${path}: expected 64 hex characters (an Ed25519 seed)`);
  return fromHex(s);
}

export function keygen(c: CryptoPort, out: string): { secretFile: string; publicKey: string } {
  if (existsSync(out)) throw ERR.identityInvalid(`${out} exists: refusing to overwrite a key`);
  const secret = randomSecret();
  writeFileAtomic(out, toHex(secret) + '\n');
  const pub = toHex(c.signer.publicKey(secret));
  writeFileAtomic(`${out}.pub`, pub + '\n', 0o644);
  return { secretFile: out, publicKey: pub };
}

/** SHA-256 of the running code (the bundle, or this module under the test runner). */
export function runningCodeHash(): Uint8Array {
  const file =
    process.argv[1] && existsSync(process.argv[1]) && /\.(m?js|cjs)$/.test(process.argv[1])
      ? process.argv[1]
      : fileURLToPath(import.meta.url);
  return sha256(readFileSync(file));
}

export interface BindArgs {
  readonly operatorSecret: Uint8Array;
  readonly agentSecret: Uint8Array;
  readonly codeHash?: Uint8Array;
  readonly config?: ConfigHashes;
  readonly days?: number;
  readonly scope?: readonly string[];
  readonly bond?: number;
  readonly now: number;
  readonly previous?: Uint8Array;
  /** Public key of the next agent key, committed to for pre-rotation (nextKeyHash). */
  readonly nextKey?: Uint8Array;
}

/**
 * The previous version a new one continues: a binding whose signatures verify (its window may have passed),
 * signed by this operator key. Another operator would make a binding with another baid (the baid commits to
 * the operator key) that no peer accepts as the next version: refused here, as `revoke` refuses it.
 */
function previousBinding(c: CryptoPort, previous: Uint8Array, operatorSecret: Uint8Array): Binding {
  let old: Binding;
  try {
    old = decodeBinding(previous, DEFAULT_LIMITS).binding;
  } catch (e) {
    if (e instanceof DecodeError) throw ERR.identityInvalid(`previous binding: ${e.message}`);
    throw e;
  }
  const r = checkBinding(c, previous, old.notBefore, DEFAULT_LIMITS);
  if (!r.ok) throw ERR.identityInvalid(`previous binding: ${r.detail}`);
  if (toHex(c.signer.publicKey(operatorSecret)) !== toHex(old.operatorKey))
    throw ERR.identityInvalid(
      `the operator key is not the one that signed the previous binding (operator ${toHex(old.operatorKey).slice(0, 16)}…); a new version must be signed by the same operator`,
    );
  return old;
}

export function bind(c: CryptoPort, a: BindArgs): Uint8Array {
  let version = 1;
  let prev: Uint8Array | undefined;
  let old: Binding | undefined;
  if (a.previous) {
    old = previousBinding(c, a.previous, a.operatorSecret);
    version = old.version + 1;
    prev = c.sha256(a.previous);
  }
  // A new version keeps what the baid commits to (code, config, operator, salt) unless told otherwise.
  const bond = a.bond ?? old?.bond;
  return makeBinding(c, {
    operatorSecret: a.operatorSecret,
    agentSecret: a.agentSecret,
    codeHash: a.codeHash ?? old?.codeHash ?? runningCodeHash(),
    config: a.config ?? old?.config ?? {},
    salt: old?.salt ?? randomSecret().slice(0, 16),
    notBefore: a.now - 60_000, // tolerate a minute of clock skew at first use
    notAfter: a.now + (a.days ?? 365) * DAY,
    scope: a.scope ?? old?.scope ?? [],
    version,
    ...(prev ? { prev } : {}),
    ...(a.nextKey ? { nextKeyHash: c.sha256(a.nextKey) } : {}),
    ...(bond !== undefined ? { bond } : {}),
  }).bytes;
}

export interface NodeIdentity {
  readonly agentSecret: Uint8Array;
  readonly binding: Uint8Array;
  readonly created: boolean;
  /** Log epoch to write in: 0, or the epoch of identity/continuation.cbor. */
  readonly epoch: number;
  readonly continuation?: Uint8Array;
}

/** The continuation record in identity/ (epoch 0 and none when absent). */
export function readContinuation(
  c: CryptoPort,
  dataDir: string,
  binding: Uint8Array,
): { epoch: number; continuation?: Uint8Array } {
  const file = join(dataDir, 'identity', 'continuation.cbor');
  if (!existsSync(file)) return { epoch: 0 };
  const bytes = new Uint8Array(readFileSync(file));
  let epoch: number;
  try {
    epoch = decodeContinuation(bytes).continuation.epoch;
  } catch (e) {
    if (e instanceof DecodeError) throw ERR.identityInvalid(`${file}: ${e.message}`);
    throw e;
  }
  const r = checkContinuation(c, bytes, decodeBinding(binding, DEFAULT_LIMITS).binding, epoch);
  if (!r.ok) throw ERR.identityInvalid(`${file}: ${r.detail}`);
  return { epoch, continuation: bytes };
}

/**
 * Starts the next log epoch (docs/architecture.md §4): for a node restored from backup that cannot learn its last
 * seq. Signs a continuation record for epoch (current + 1) with the operator key and writes it to
 * identity/continuation.cbor; the node writes in that epoch from its next start.
 */
export function continueEpoch(
  c: CryptoPort,
  dataDir: string,
  operatorKeyFile: string | undefined,
  now: number,
): { epoch: number; file: string } {
  const dir = join(dataDir, 'identity');
  const bindingFile = join(dir, 'binding.cbor');
  if (!existsSync(bindingFile)) throw ERR.identityMissing(`no ${bindingFile}: nothing to continue`);
  const binding = new Uint8Array(readFileSync(bindingFile));
  const current = readContinuation(c, dataDir, binding).epoch;
  const op = readSecret(operatorKeyFile ?? join(dir, 'operator.key'));
  const b = decodeBinding(binding, DEFAULT_LIMITS).binding;
  if (toHex(c.signer.publicKey(op)) !== toHex(b.operatorKey))
    throw ERR.identityInvalid("the operator key is not the binding's operator");
  const file = join(dir, 'continuation.cbor');
  writeFileAtomic(file, makeContinuation(c, op, b, current + 1, now), 0o644);
  return { epoch: current + 1, file };
}

export function ensureIdentity(c: CryptoPort, dataDir: string, now: number): NodeIdentity {
  const dir = join(dataDir, 'identity');
  const agentFile = join(dir, 'agent.key');
  const opFile = join(dir, 'operator.key');
  const bindingFile = join(dir, 'binding.cbor');
  let created = false;
  if (!existsSync(agentFile)) {
    if (existsSync(bindingFile)) throw ERR.identityInvalid(`${bindingFile} exists without ${agentFile}`);
    writeFileAtomic(agentFile, toHex(randomSecret()) + '\n');
    if (!existsSync(opFile)) writeFileAtomic(opFile, toHex(randomSecret()) + '\n');
    created = true;
  }
  const agentSecret = readSecret(agentFile);
  let binding: Uint8Array | undefined = existsSync(bindingFile) ? new Uint8Array(readFileSync(bindingFile)) : undefined;
  if (binding) {
    let b;
    try {
      b = decodeBinding(binding, DEFAULT_LIMITS).binding;
    } catch (e) {
      if (e instanceof DecodeError) throw ERR.identityInvalid(`${bindingFile}: ${e.message}`);
      throw e;
    }
    if (toHex(b.agentKey) !== toHex(c.signer.publicKey(agentSecret)))
      throw ERR.identityInvalid(`${bindingFile} binds another agent key`);
    if (b.notAfter - now < 7 * DAY) {
      if (!existsSync(opFile))
        throw ERR.identityInvalid(
          `${bindingFile} expires ${new Date(b.notAfter).toISOString()}; ask the operator for a new binding`,
        );
      binding = bind(c, {
        operatorSecret: readSecret(opFile),
        agentSecret,
        now,
        previous: binding,
        scope: b.scope,
        config: b.config,
      });
      writeFileAtomic(bindingFile, binding, 0o644);
    }
  } else {
    if (!existsSync(opFile)) throw ERR.identityMissing(`no ${bindingFile} and no operator key to create one`);
    binding = bind(c, { operatorSecret: readSecret(opFile), agentSecret, now });
    writeFileAtomic(bindingFile, binding, 0o644);
    created = true;
  }
  return { agentSecret, binding, created, ...readContinuation(c, dataDir, binding) };
}
