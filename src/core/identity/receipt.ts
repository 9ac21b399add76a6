// Verifying a co-signed receipt (docs/architecture.md §7-8): both signatures, each by an agent whose binding passed
// T2 and was valid at the receipt's ts for its topic. Receipts that fail are a RejectReason, never an
// exception; only receipts that pass feed local trust.

import type { SignedReceipt } from '../codec/receipt.js';
import type { Check, IdentityTiers } from './tiers.js';

export function checkReceipt(v: IdentityTiers, sr: SignedReceipt): Check {
  for (const s of sr.signers) {
    const c = v.checkSigned(s.kid, s.toBeSigned, s.signature, sr.receipt.ts, sr.receipt.topic);
    if (!c.ok) return c;
  }
  return { ok: true };
}
