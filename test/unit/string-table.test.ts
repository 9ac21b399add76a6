import { describe, expect, it } from 'vitest';
import { StringTable } from '../../src/core/base/intern.js';

describe('StringTable', () => {
  it('returns the first object of each value, and values past its bound as they are', () => {
    const t = new StringTable(2);
    const a = ['ab', 'cd'].join('');
    expect(t.of(a)).toBe(a);
    expect(t.of(['a', 'bcd'].join(''))).toBe(a);
    t.of('x');
    expect(t.size).toBe(2);
    expect(t.of('y')).toBe('y');
    expect(t.size).toBe(2);
  });
});
