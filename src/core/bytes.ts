// Small byte helpers shared by the core. No Node Buffer: the core runs anywhere a Uint8Array does.

const HEX = new TextEncoder().encode('0123456789abcdef');
const ascii = new TextDecoder('latin1');

/**
 * Lower-case hex. Built as one flat string from the character codes: `s += ...` in a loop makes a rope
 * of one ConsString per step, and hex strings are map keys all over the core (per node, per author, per
 * entry): the simulator's 10k-node run spent a third of its heap on those ropes (docs/simulator.md).
 */
export function toHex(b: Uint8Array): string {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    const v = b[i]!;
    out[2 * i] = HEX[v >> 4]!;
    out[2 * i + 1] = HEX[v & 15]!;
  }
  return ascii.decode(out);
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
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);
