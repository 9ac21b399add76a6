// Progress bars for long commands. Drawn on stderr, and only when stdout is a terminal: when output
// is piped or redirected (CI logs, `> result.txt`, JSON consumers) a bar would be noise, so it is off.
// `AGENTNET_PROGRESS=0` turns it off on a terminal too.

export interface Progress {
  /** Advance by `n` steps (default 1); `label` names what is being done now. */
  tick(label?: string, n?: number): void;
  /** Clear the bar (call once, at the end or on error). */
  done(): void;
}

export interface ProgressOptions {
  /** Where the bar is drawn (default process.stderr). */
  readonly stream?: { write(s: string): unknown };
  /** Default: stdout is a TTY and AGENTNET_PROGRESS is not "0". */
  readonly enabled?: boolean;
  readonly width?: number;
}

export function progressEnabled(): boolean {
  return !!process.stdout.isTTY && process.env['AGENTNET_PROGRESS'] !== '0';
}

export function createProgress(total: number, title: string, o: ProgressOptions = {}): Progress {
  if (!Number.isInteger(total) || total < 1) throw new RangeError('createProgress: total must be a positive integer');
  const enabled = o.enabled ?? progressEnabled();
  const stream = o.stream ?? process.stderr;
  const width = o.width ?? 30;
  let n = 0;
  let shown = false;
  const draw = (label: string) => {
    const filled = Math.round((n / total) * width);
    stream.write(`\r\x1b[2K${title} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${label}`);
    shown = true;
  };
  return {
    tick(label = '', k = 1) {
      n = Math.min(total, n + k);
      if (enabled) draw(label);
    },
    done() {
      if (enabled && shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
