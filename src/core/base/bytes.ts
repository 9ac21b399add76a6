// Small byte helpers shared by the core. No Node Buffer: the core runs anywhere a Uint8Array does.

const HEX = '0123456789abcdef';
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, v) => HEX[v >> 4]! + HEX[v & 15]!);

/**
 * Lower-case hex. Built with join, not `s +=`: appending makes V8 keep a tree of rope nodes per key
 * (about 1 KiB for a 32-byte key) wherever the string is stored, e.g. as a Map key of a known agent.
 */
export function toHex(b: Uint8Array): string {
  const parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = BYTE_HEX[b[i]!]!;
  return parts.join('');
}

/** Lower- or upper-case hex of even length; throws TypeError naming `what` on anything else (API misuse). */
export function fromHex(s: string, what = 'hex'): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new TypeError(`${what}: expected an even-length hex string`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
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
