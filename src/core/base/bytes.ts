// Small byte helpers shared by the core. No Node Buffer: the core runs anywhere a Uint8Array does.

const HEX = '0123456789abcdef';
/** The two ASCII codes of each byte's hex digits, at 2v and 2v + 1. */
const HEX_CODES = new Uint8Array(512);
/** Value of each ASCII code as a hex digit, or 255 for a code that is none. */
const NIBBLE = new Uint8Array(256).fill(255);
for (let v = 0; v < 256; v++) {
  HEX_CODES[2 * v] = HEX.charCodeAt(v >> 4);
  HEX_CODES[2 * v + 1] = HEX.charCodeAt(v & 15);
}
for (let d = 0; d < 16; d++) {
  NIBBLE[HEX.charCodeAt(d)] = d;
  NIBBLE[HEX.toUpperCase().charCodeAt(d)] = d;
}
const LATIN1 = new TextDecoder('latin1');

/**
 * Lower-case hex. The digits' codes are written into a byte array and decoded once: a flat string, not a tree of
 * rope nodes as `s +=` makes (about 1 KiB for a 32-byte key wherever the string is stored, e.g. as a Map key of a
 * known agent), and faster than joining per-byte strings. Hex digits are ASCII, which latin1 maps to themselves.
 */
export function toHex(b: Uint8Array): string {
  const codes = new Uint8Array(2 * b.length);
  for (let i = 0; i < b.length; i++) {
    const v = 2 * b[i]!;
    codes[2 * i] = HEX_CODES[v]!;
    codes[2 * i + 1] = HEX_CODES[v + 1]!;
  }
  return LATIN1.decode(codes);
}

/** Lower- or upper-case hex of even length; throws TypeError naming `what` on anything else (API misuse). */
export function fromHex(s: string, what = 'hex'): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0) throw new TypeError(`${what}: expected an even-length hex string`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const c1 = s.charCodeAt(2 * i);
    const c2 = s.charCodeAt(2 * i + 1);
    const hi = c1 < 256 ? NIBBLE[c1]! : 255;
    const lo = c2 < 256 ? NIBBLE[c2]! : 255;
    if (hi === 255 || lo === 255) throw new TypeError(`${what}: expected an even-length hex string`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bytewise lexicographic order (RFC 8949 §4.2.1 map-key order). */
/** Code-unit order of two strings: the same on every machine (localeCompare depends on the locale and loads ICU collation). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);
