// Stateless address validation for the UDP LAN mesh (docs/transports.md "The UDP mesh"): a challenge carries a
// cookie, a MAC over the address and a 60 s time bucket under a secret only this node knows; an address that
// echoes a cookie of the current or previous bucket receives at that address, and is validated for VALIDATED_MS.
// The MAC itself comes in as a function (the runtime's HMAC-SHA256), so this part stays sans-I/O.

import { COOKIE } from './wire.js';

/** The first 12 bytes of a MAC over ("host:port", bucket) under the node's secret (HMAC-SHA256 in the runtime). */
export type CookieMac = (addr: string, bucket: number) => Uint8Array;

export const COOKIE_BUCKET_MS = 60_000;
/** How long an echoed address stays validated; re-challenged in its last REVALIDATE_MS. */
export const VALIDATED_MS = 5 * 60_000;
export const REVALIDATE_MS = 60_000;
const MAX_VALIDATED = 4096;

/** Equal bytes, in time independent of where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export class Cookies {
  /** "host:port" -> validated until (ms), oldest validation first. */
  private readonly validated = new Map<string, number>();

  constructor(private readonly mac: CookieMac) {}

  /** The 16-byte cookie a challenge to `to` carries at `now`. */
  cookie(now: number, to: string): Uint8Array {
    const bucket = Math.floor(now / COOKIE_BUCKET_MS) >>> 0;
    const c = new Uint8Array(COOKIE);
    new DataView(c.buffer).setUint32(0, bucket);
    c.set(this.mac(to, bucket).subarray(0, COOKIE - 4), 4);
    return c;
  }

  /** Whether `addr` echoed a cookie and is still validated at `now`. */
  isValidated(now: number, addr: string): boolean {
    return (this.validated.get(addr) ?? 0) > now;
  }

  /** Until when `addr` is validated (0 when never). */
  until(addr: string): number {
    return this.validated.get(addr) ?? 0;
  }

  /** An echo from `from`: validates it when the cookie is ours, for its address, of this or the last bucket. */
  validate(now: number, echo: Uint8Array, from: string): boolean {
    if (echo.length !== COOKIE) return false;
    const bucket = new DataView(echo.buffer, echo.byteOffset, echo.byteLength).getUint32(0);
    const cur = Math.floor(now / COOKIE_BUCKET_MS) >>> 0;
    if (bucket !== cur && bucket !== (cur - 1) >>> 0) return false;
    if (!sameBytes(echo.subarray(4), this.mac(from, bucket).subarray(0, COOKIE - 4))) return false;
    if (this.validated.size >= MAX_VALIDATED && !this.validated.has(from)) {
      this.expire(now);
      if (this.validated.size >= MAX_VALIDATED) this.validated.delete(this.validated.keys().next().value!);
    }
    this.validated.delete(from); // re-inserted last: the oldest validation is dropped first
    this.validated.set(from, now + VALIDATED_MS);
    return true;
  }

  expire(now: number): void {
    for (const [a, until] of this.validated) if (until <= now) this.validated.delete(a);
  }
}
