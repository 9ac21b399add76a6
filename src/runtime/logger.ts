// Structured JSON logs, one object per line on stdout (journald takes them as they are). When stdout
// is journald's stream (JOURNAL_STREAM set), each line gets the syslog priority prefix `<N>`.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const PRIORITY: Record<Level, number> = { debug: 7, info: 6, warn: 4, error: 3 };
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  o: { level?: Level; base?: Record<string, unknown>; write?: (line: string) => void } = {},
): Logger {
  const min = ORDER[o.level ?? 'info'];
  const journal = !!process.env['JOURNAL_STREAM'];
  const write = o.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const base = o.base ?? {};
  return {
    log(level, msg, fields) {
      if (ORDER[level] < min) return;
      const line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }, (_k, v) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
      );
      write(journal ? `<${PRIORITY[level]}>${line}` : line);
    },
    child(fields) {
      return createLogger({ ...o, base: { ...base, ...fields } });
    },
  };
}
