// Operator tools for T2-T3 objects: `rotate`, `revoke`, `registry`, `credential`.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fromHex, toHex } from '../core/base/bytes.js';
import {
  checkpointToBeSigned,
  credentialToBeSigned,
  encodeCheckpoint,
  encodeCredential,
  encodeInclusion,
  encodeRevocation,
  revocationToBeSigned,
} from '../core/codec/attest.js';
import { decodeBinding } from '../core/codec/binding.js';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import { inclusionPath, merkleRoot } from '../core/identity/merkle.js';
import { makeCryptoPort } from '../runtime/crypto-port.js';
import { bind, keygen, readSecret, writeFileAtomic } from '../runtime/identity.js';
import { defaultVerifier } from '../runtime/verifier.js';
import { intFlag, UsageError } from './args.js';

const c = () => makeCryptoPort(defaultVerifier());
const readBytes = (f: string, what: string) => {
  if (!existsSync(f)) throw new UsageError(`${what}: ${f} not found`);
  return new Uint8Array(readFileSync(f));
};
/** A public key given as 64 hex characters or as a `.pub` file written by keygen. */
function pubArg(v: string, what: string): Uint8Array {
  const s = existsSync(v) ? readFileSync(v, 'utf8').trim() : v;
  if (!/^[0-9a-f]{64}$/i.test(s)) throw new UsageError(`${what}: expected a public key (64 hex) or a .pub file`);
  return fromHex(s);
}

export async function cmdRotate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'operator-key': { type: 'string' },
      previous: { type: 'string' },
      'agent-key': { type: 'string' },
      'next-key': { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values['operator-key'] || !values.previous || !values['agent-key'] || !values.out) {
    console.log(`Usage: agentnet rotate --operator-key FILE --previous BINDING --agent-key NEW_KEY --out FILE [--next-key PUB] [--days N]

Makes the next version of a binding for a new agent key (version + 1, prev = hash of the previous
binding, same code, config, operator and salt, so the baid stays). The operator key must be the one that
signed the previous binding. If the previous version committed to a next key (bind --next-key), NEW_KEY
must be that key or peers refuse the rotation (pre-rotation). Every peer that sees the new binding retires
the previous key at once (no grace period): it is tier 0 and its signatures dated from the new binding's
notBefore on are refused, while what it signed before stays valid. To use it, put the new key and binding in
the node's data directory (identity/agent.key, identity/binding.cbor) and restart the node.
Exit codes: 0 written, 2 usage error or unreadable/invalid input file, 3 runtime failure.
Example: agentnet rotate --operator-key operator.key --previous binding.cbor --agent-key next.key --next-key next2.key.pub --out binding-v2.cbor`);
    return values.help ? 0 : 2;
  }
  const previous = readBytes(values.previous, '--previous');
  const old = decodeBinding(previous, DEFAULT_LIMITS).binding;
  const agentSecret = readSecret(values['agent-key']);
  const port = c();
  if (old.nextKeyHash && toHex(port.sha256(port.signer.publicKey(agentSecret))) !== toHex(old.nextKeyHash)) {
    throw new UsageError(
      '--agent-key is not the key the previous binding committed to (nextKeyHash); peers would refuse this rotation',
    );
  }
  const bytes = bind(port, {
    operatorSecret: readSecret(values['operator-key']),
    agentSecret,
    now: Date.now(),
    previous,
    days: intFlag(values.days, 'days', 365, 1, 3650),
    ...(values['next-key'] ? { nextKey: pubArg(values['next-key'], '--next-key') } : {}),
  });
  writeFileAtomic(values.out, bytes, 0o644);
  const b = decodeBinding(bytes, DEFAULT_LIMITS).binding;
  console.log(
    JSON.stringify({ out: values.out, baid: toHex(b.baid), version: b.version, agentKey: toHex(b.agentKey) }),
  );
  return 0;
}

export async function cmdRevoke(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'operator-key': { type: 'string' },
      binding: { type: 'string' },
      reason: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values['operator-key'] || !values.binding || !values.out) {
    console.log(
      'Usage: agentnet revoke --operator-key FILE --binding FILE --out FILE [--reason TEXT]\n\nSigns a revocation of the binding\'s agent key by its operator; peers refuse the key from now on.\nPublish it through any running node: POST /revocations {"revocation": "<hex of the file>"} on its local API.\nExit codes: 0 written, 2 usage error or unreadable/invalid input file, 3 runtime failure.\nExample: agentnet revoke --operator-key operator.key --binding binding.cbor --reason "key leaked" --out revocation.cbor',
    );
    return values.help ? 0 : 2;
  }
  const b = decodeBinding(readBytes(values.binding, '--binding'), DEFAULT_LIMITS).binding;
  const op = readSecret(values['operator-key']);
  const port = c();
  if (toHex(port.signer.publicKey(op)) !== toHex(b.operatorKey))
    throw new UsageError('--operator-key is not the operator of this binding');
  const r = {
    operatorKey: b.operatorKey,
    baid: b.baid,
    agentKey: b.agentKey,
    reason: (values.reason ?? 'revoked by operator').slice(0, 256),
    ts: Date.now(),
  };
  writeFileAtomic(values.out, encodeRevocation(r, port.signer.sign(op, revocationToBeSigned(r))), 0o644);
  console.log(JSON.stringify({ out: values.out, agentKey: toHex(r.agentKey), ts: r.ts }));
  return 0;
}

const REGISTRY_HELP = `Usage: agentnet registry init --dir DIR
       agentnet registry attest --dir DIR --code-hash HEX
       agentnet registry checkpoint --dir DIR --key REGISTRAR_KEY [--key ...] --out FILE
       agentnet registry prove --dir DIR --code-hash HEX --out FILE

A code-attestation registry (T3): an append-only list of attested code hashes (DIR/leaves.json), RFC 9162
Merkle checkpoints signed by one or more registrar keys (peers require k of the n they trust), and
inclusion proofs of a code hash under the latest tree. 'init' creates DIR and a registrar key.
Exit codes: 0 written, 2 usage error or unreadable/invalid input file, 3 runtime failure.
Example: agentnet registry attest --dir reg --code-hash $(sha256sum dist/agentnet.mjs | cut -c1-64)`;

export async function cmdRegistry(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string' },
      'code-hash': { type: 'string' },
      key: { type: 'string', multiple: true },
      out: { type: 'string' },
      id: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (!sub || values.help || !values.dir) {
    console.log(REGISTRY_HELP);
    return values.help || sub === '--help' ? 0 : 2;
  }
  const port = c();
  const leavesFile = join(values.dir, 'leaves.json');
  const leaves = (): Uint8Array[] =>
    existsSync(leavesFile) ? (JSON.parse(readFileSync(leavesFile, 'utf8')) as string[]).map((h) => fromHex(h)) : [];
  const codeHash = () => {
    const h = values['code-hash'];
    if (!h || !/^[0-9a-f]{64}$/i.test(h)) throw new UsageError('--code-hash must be 64 hex characters');
    return fromHex(h);
  };
  switch (sub) {
    case 'init': {
      mkdirSync(values.dir, { recursive: true });
      const k = keygen(port, join(values.dir, 'registrar.key'));
      writeFileAtomic(leavesFile, '[]\n', 0o644);
      console.log(JSON.stringify({ dir: values.dir, registrarKey: k.publicKey }));
      return 0;
    }
    case 'attest': {
      const all = leaves();
      const h = codeHash();
      if (all.some((x) => toHex(x) === toHex(h))) throw new UsageError('that code hash is already attested');
      all.push(h);
      writeFileAtomic(leavesFile, JSON.stringify(all.map(toHex), null, 1) + '\n', 0o644);
      console.log(
        JSON.stringify({ leafIndex: all.length - 1, treeSize: all.length, root: toHex(merkleRoot(port, all)) }),
      );
      return 0;
    }
    case 'checkpoint': {
      if (!values.key?.length || !values.out)
        throw new UsageError('checkpoint needs --key (one per registrar) and --out');
      const all = leaves();
      const cp = {
        registryId: values.id ?? 'agentnet-registry',
        treeSize: all.length,
        rootHash: merkleRoot(port, all),
        ts: Date.now(),
      };
      const sigs = values.key.map((f) => {
        const s = readSecret(f);
        const kid = port.signer.publicKey(s);
        return { kid, signature: port.signer.sign(s, checkpointToBeSigned(cp, kid)) };
      });
      writeFileAtomic(values.out, encodeCheckpoint(cp, sigs), 0o644);
      console.log(
        JSON.stringify({ out: values.out, treeSize: cp.treeSize, root: toHex(cp.rootHash), signers: sigs.length }),
      );
      return 0;
    }
    case 'prove': {
      if (!values.out) throw new UsageError('prove needs --out');
      const all = leaves();
      const h = toHex(codeHash());
      const i = all.findIndex((x) => toHex(x) === h);
      if (i < 0) throw new UsageError('that code hash is not attested in this registry');
      writeFileAtomic(
        values.out,
        encodeInclusion({ leafIndex: i, treeSize: all.length, auditPath: inclusionPath(port, i, all) }),
        0o644,
      );
      console.log(JSON.stringify({ out: values.out, leafIndex: i, treeSize: all.length }));
      return 0;
    }
    default:
      throw new UsageError(`registry: unknown subcommand ${JSON.stringify(sub)}\n${REGISTRY_HELP}`);
  }
}

export async function cmdCredential(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'issuer-key': { type: 'string' },
      operator: { type: 'string' },
      level: { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values['issuer-key'] || !values.operator || !values.out) {
    console.log(
      'Usage: agentnet credential --issuer-key FILE --operator PUB --out FILE [--level 0..4] [--days N]\n\nIssues a KYC credential (T3) for an operator key, signed by the issuer key.\nExit codes: 0 written, 2 usage error or unreadable/invalid input file, 3 runtime failure.\nExample: agentnet credential --issuer-key kyc.key --operator operator.key.pub --level 2 --days 365 --out operator.cred',
    );
    return values.help ? 0 : 2;
  }
  const port = c();
  const issuer = readSecret(values['issuer-key']);
  const cred = {
    issuerKey: port.signer.publicKey(issuer),
    operatorKey: pubArg(values.operator, '--operator'),
    level: intFlag(values.level, 'level', 2, 0, 4),
    expires: Date.now() + intFlag(values.days, 'days', 365, 1, 3650) * 86_400_000,
  };
  writeFileAtomic(values.out, encodeCredential(cred, port.signer.sign(issuer, credentialToBeSigned(cred))), 0o644);
  console.log(JSON.stringify({ out: values.out, operator: toHex(cred.operatorKey), level: cred.level }));
  return 0;
}
