// Tiny shared helpers for CLI commands: typed flag access with clear usage errors.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function intFlag(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
