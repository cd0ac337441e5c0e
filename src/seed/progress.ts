// A one-line progress bar on stderr (redrawn in place on a terminal; one line per table otherwise).

const WIDTH = 30;

export type Progress = {
  update(label: string, done: number, total: number): void;
  finish(label: string): void;
};

export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  let lastDraw = 0;
  const line = (label: string, done: number, total: number) => {
    const filled = total === 0 ? WIDTH : Math.round((WIDTH * done) / total);
    return `  ${label.padEnd(13)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
  };
  const totals = new Map<string, number>();
  return {
    update(label, done, total) {
      totals.set(label, total);
      const now = Date.now();
      if (!stream.isTTY || now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line(label, done, total)}`);
    },
    finish(label) {
      const total = totals.get(label) ?? 0;
      stream.write(`${stream.isTTY ? '\r' : ''}${line(label, total, total)}\n`);
    },
  };
}

/** For callers that want no output (tests). */
export const silentProgress: Progress = { update: () => {}, finish: () => {} };
