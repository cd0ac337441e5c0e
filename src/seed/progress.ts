// Progress on stderr while a seed works: a line per step, and a bar per table (redrawn in place on a
// terminal; one line per table otherwise). The command's summary comes after, on stdout.

import { groupDigits } from '../digits.ts';

const WIDTH = 30;

export type Progress = {
  /** A step that is not a table ("database": opening it, which on a new PGlite folder takes seconds). */
  step(label: string, text: string): void;
  update(label: string, done: number, total: number): void;
  finish(label: string): void;
};

export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  let lastDraw = 0;
  const line = (label: string, done: number, total: number) => {
    const filled = total === 0 ? WIDTH : Math.round((WIDTH * done) / total);
    return `  ${label.padEnd(13)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${groupDigits(done)}/${groupDigits(total)}`;
  };
  const totals = new Map<string, number>();
  const started = new Map<string, number>();
  return {
    step(label, text) {
      stream.write(`  ${label.padEnd(13)} ${text}\n`);
    },
    update(label, done, total) {
      totals.set(label, total);
      const now = Date.now();
      if (!started.has(label)) started.set(label, now);
      if (!stream.isTTY || now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line(label, done, total)}`);
    },
    finish(label) {
      const total = totals.get(label) ?? 0;
      const seconds = (Date.now() - (started.get(label) ?? Date.now())) / 1000;
      stream.write(`${stream.isTTY ? '\r' : ''}${line(label, total, total)} in ${seconds.toFixed(1)} s\n`);
    },
  };
}

/** For callers that want no output (tests). */
export const silentProgress: Progress = { step: () => {}, update: () => {}, finish: () => {} };
