// Simulated agents' identities: real Ed25519 keys and real BAID bindings (docs/architecture.md §6), derived from
// the run's seed so a run replays byte for byte.

import { makeBinding } from '../../core/identity/binding.js';
import { utf8 } from '../../core/base/bytes.js';
import type { CryptoPort } from '../../core/base/ports.js';

/** The simulator's epoch: 2026-01-01T00:00:00Z. Virtual time t ms is SIM_EPOCH + t on the wire. */
export const SIM_EPOCH = 1_767_225_600_000;
const DAY = 86_400_000;

export interface SimIdentity {
  readonly agentSecret: Uint8Array;
  /** The operator's key, for operator-signed records (continuations); the sim's agents are self-operated. */
  readonly operatorSecret: Uint8Array;
  readonly agentKey: Uint8Array;
  readonly binding: Uint8Array;
}

/** The code hash every simulated agent's binding declares (one program: what a registry attests, ./attestation.ts). */
export const simCodeHash = (c: CryptoPort): Uint8Array => c.sha256(utf8('agentnet-sim/code'));

/** `bond`: the stake the binding declares (credits), absent by default. */
export function simIdentity(c: CryptoPort, seed: number, index: number, bond?: number): SimIdentity {
  const d = (what: string) => c.sha256(utf8(`agentnet-sim/${seed}/${index}/${what}`));
  const agentSecret = d('agent');
  const h = (what: string) => c.sha256(utf8(`agentnet-sim/${what}`));
  const operatorSecret = d('operator');
  const { bytes } = makeBinding(c, {
    operatorSecret,
    agentSecret,
    codeHash: simCodeHash(c),
    config: { model: h('model'), promptTemplate: h('prompt'), toolPolicy: h('tools') },
    salt: d('salt').slice(0, 16),
    notBefore: SIM_EPOCH - DAY,
    notAfter: SIM_EPOCH + 365 * DAY,
    ...(bond !== undefined ? { bond } : {}),
  });
  return { agentSecret, operatorSecret, agentKey: c.signer.publicKey(agentSecret), binding: bytes };
}
