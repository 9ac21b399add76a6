// A progress bar on stderr for long commands, drawn only when stderr is a terminal (so logs, pipes and
// CI output stay clean).

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let last = -1;
  return {
    update(done: number, total: number): void {
      if (!tty || total <= 0) return;
      const pc = Math.floor((100 * done) / total);
      if (pc === last) return;
      last = pc;
      const w = 30;
      const fill = Math.round((w * pc) / 100);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${pc}%`);
    },
    done(): void {
      if (tty && last >= 0) stream.write('\n');
    },
  };
}
