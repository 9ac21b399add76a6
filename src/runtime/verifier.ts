// Selects the node's signature verifier. The WASM kernel (wasm/ed25519.ts) is the default once
// built; until then, and if loading fails, noble's strict branch is the fallback. Both accept the
// same signatures (docs/verification.md).

import type { SigVerifier } from '../core/ports.js';
import { nobleStrictVerifier } from './crypto-port.js';

export function defaultVerifier(): SigVerifier {
  return nobleStrictVerifier;
}
