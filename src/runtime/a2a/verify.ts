// Offline verification of an agentnet Agent Card (docs/a2a.md "What a client verifies"): the JWS signature
// (by the SDK's verifier, with the Ed25519 key its `kid` names), the BAID binding in the agentnet
// extension (both signatures, baid and config digest recomputed, validity window, bound to the card's agent key),
// the signer (the agent itself, or for a directory card the serving node, whose binding is checked the same way),
// and every skill against the signed capability entry and body it claims to come from. Nothing is fetched and
// nothing is stored: every check uses the card's own bytes.

import { AgentCard, verifyAgentCardSignature } from '@a2a-js/sdk';
import { equalBytes, toHex } from '../../core/base/bytes.js';
import { decodeBody } from '../../core/codec/body.js';
import { decodeEntry } from '../../core/codec/entry.js';
import type { Limits } from '../../core/codec/limits.js';
import { checkBinding } from '../../core/identity/binding.js';
import type { CryptoPort } from '../../core/base/ports.js';
import { BAID_EXTENSION_URI, KID_PREFIX, skillId } from './card.js';

export interface CardCheck {
  readonly ok: boolean;
  /** What failed, one line each (empty when ok). */
  readonly errors: string[];
  /** The agent the card describes (the extension's `agent`). */
  readonly agent?: string;
  readonly operator?: string;
  readonly baid?: string;
  readonly codeHash?: string;
  readonly notAfter?: number;
  /** The key whose signature verified. */
  readonly signer?: string;
  /** Set when a directory node signed the card for another agent. */
  readonly directory?: string;
  /** The skills backed by a verified declaration. */
  readonly skills: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

function fromB64u(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw new RangeError(`${what}: must be base64url`);
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** The `kid` of each signature: the hex key it names, or why it names none. */
export function signerOf(protectedB64: string): string {
  let h: { alg?: unknown; kid?: unknown };
  try {
    h = JSON.parse(Buffer.from(protectedB64, 'base64url').toString('utf8')) as typeof h;
  } catch {
    throw new RangeError('signature: protected header is not base64url JSON');
  }
  if (h.alg !== 'EdDSA') throw new RangeError(`signature: alg ${String(h.alg)}, expected EdDSA`);
  const kid = typeof h.kid === 'string' ? h.kid : '';
  const hex = kid.startsWith(KID_PREFIX) ? kid.slice(KID_PREFIX.length) : '';
  if (!HEX64.test(hex)) throw new RangeError(`signature: kid ${JSON.stringify(kid)} names no Ed25519 key`);
  return hex;
}

/**
 * Runs the SDK's verifier without its console.debug line for a failed signature (written to stdout, where it
 * would corrupt `agentnet a2a card --json`); the failure is reported here, by signature, instead.
 */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const debug = console.debug;
  console.debug = () => undefined;
  try {
    return await fn();
  } finally {
    console.debug = debug;
  }
}

export const jwkOf = (hex: string) => ({
  kty: 'OKP',
  crv: 'Ed25519',
  x: Buffer.from(hex, 'hex').toString('base64url'),
});

/** A binding (base64url COSE_Sign) checked at T2 and bound to `agent`; its decoded fields, or an error. */
export function bindingFor(c: CryptoPort, b64: unknown, agent: string, now: number, limits: Limits, what: string) {
  const r = checkBinding(c, fromB64u(b64, `${what} binding`), now, limits);
  if (!r.ok) throw new RangeError(`${what} binding refused (${r.reason}): ${r.detail}`);
  const b = r.signed!.binding;
  if (toHex(b.agentKey) !== agent)
    throw new RangeError(`${what} binding binds key ${toHex(b.agentKey)}, not ${agent} (a binding for another key)`);
  return b;
}

export async function verifyCard(json: unknown, c: CryptoPort, now: number, limits: Limits): Promise<CardCheck> {
  const errors: string[] = [];
  const skills: string[] = [];
  const out = (x: Partial<CardCheck> = {}): CardCheck => ({ ok: errors.length === 0, errors, skills, ...x });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    errors.push('card: not a JSON object');
    return out();
  }
  const card = AgentCard.fromJSON(json);
  const ext = card.capabilities?.extensions.find((e) => e.uri === BAID_EXTENSION_URI);
  const p = (ext?.params ?? {}) as Record<string, unknown>;
  const agent = typeof p['agent'] === 'string' ? p['agent'] : '';
  if (!ext) errors.push(`extension ${BAID_EXTENSION_URI}: absent`);
  else if (!HEX64.test(agent)) errors.push('extension: agent must be 64 hex digits');
  const facts: Partial<CardCheck> = agent ? { agent } : {};

  // 1. The binding of the agent the card describes.
  if (HEX64.test(agent)) {
    try {
      const b = bindingFor(c, p['binding'], agent, now, limits, 'agent');
      Object.assign(facts, {
        operator: toHex(b.operatorKey),
        baid: toHex(b.baid),
        codeHash: toHex(b.codeHash),
        notAfter: b.notAfter,
      });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }

  // 2. The signature, by the agent or by the directory node named in the extension.
  const dir = p['directory'] as Record<string, unknown> | undefined;
  const dirAgent = dir && typeof dir['agent'] === 'string' && HEX64.test(dir['agent']) ? dir['agent'] : undefined;
  if (dir && !dirAgent) errors.push('extension: directory.agent must be 64 hex digits');
  if (!card.signatures.length) errors.push('card: no signatures');
  let signer: string | undefined;
  for (const [i, s] of card.signatures.entries()) {
    try {
      const kid = signerOf(s.protected);
      await quietly(() => verifyAgentCardSignature(async () => jwkOf(kid))({ ...card, signatures: [s] }));
      signer = kid;
      break;
    } catch (e) {
      errors.push(`signatures[${i}]: ${(e as Error).message || 'does not verify'}`);
    }
  }
  if (signer) {
    // A verified signature makes the failures of the others irrelevant.
    for (let i = errors.length - 1; i >= 0; i--) if (errors[i]!.startsWith('signatures[')) errors.splice(i, 1);
    if (signer === agent && !dirAgent) Object.assign(facts, { signer });
    else if (dirAgent && signer === dirAgent) {
      try {
        bindingFor(c, dir!['binding'], dirAgent, now, limits, 'directory');
        Object.assign(facts, { signer, directory: dirAgent });
      } catch (e) {
        errors.push((e as Error).message);
      }
    } else errors.push(`signature: by ${signer}, which is neither the card's agent nor its directory node`);
  }

  // 3. Every skill from a capability the agent signed.
  const decls = Array.isArray(p['declarations']) ? (p['declarations'] as Array<Record<string, unknown>>) : [];
  const backed = new Map<string, { tags: readonly string[] }>();
  decls.forEach((d, i) => {
    try {
      const e = decodeEntry(fromB64u(d['entry'], `declarations[${i}].entry`), limits);
      const bodyBytes = fromB64u(d['body'], `declarations[${i}].body`);
      if (toHex(e.entry.author) !== agent) throw new RangeError(`entry by ${toHex(e.entry.author)}, not the agent`);
      if (!c.verifier.verify(e.entry.author, e.toBeSigned, e.signature)) throw new RangeError('entry signature');
      if (!equalBytes(c.sha256(bodyBytes), e.entry.bodyHash)) throw new RangeError('body does not hash to bodyHash');
      const body = decodeBody(bodyBytes, limits);
      if (e.entry.kind !== 'capability') throw new RangeError(`a ${e.entry.kind}, not a capability`);
      if (e.entry.expires <= now) throw new RangeError('declaration expired');
      const id = skillId(e.entry.topic, e.entry.key ?? body.tags[0] ?? '');
      if (d['skill'] !== id) throw new RangeError(`entry is skill ${id}, not ${String(d['skill'])}`);
      backed.set(id, { tags: body.tags });
    } catch (x) {
      errors.push(`declarations[${i}]: ${(x as Error).message}`);
    }
  });
  for (const s of card.skills) {
    const b = backed.get(s.id);
    if (!b) errors.push(`skill ${s.id}: no verified declaration`);
    else if (b.tags.join(',') !== s.tags.join(',')) errors.push(`skill ${s.id}: tags differ from the declaration`);
    else skills.push(s.id);
  }
  return out(facts);
}
