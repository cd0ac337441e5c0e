// The runs of `gather bench http`: the full benchmark, --quick and --smoke (CI). Apart from bench/http.ts so
// that the command's help can quote them without loading the benchmark.
import type { SizeName } from '../../src/seed/dataset.ts';

export type ModeName = 'full' | 'quick' | 'smoke';

export type Mode = Readonly<{
  name: ModeName;
  size: SizeName;
  seconds: number;
  connections: number[];
  /** Loads the floor too (PostgreSQL only) and checks the performance targets. */
  floor: boolean;
  /** Writes bench/results/<date>.md (a later run of the day: <date>-2.md, …) and the JSON beside it. */
  results: boolean;
}>;

export const MODES: Record<ModeName, Mode> = {
  full: { name: 'full', size: 'bench', seconds: 4, connections: [1, 16, 64], floor: true, results: true },
  quick: { name: 'quick', size: 'quick', seconds: 3, connections: [1, 16, 64], floor: true, results: true },
  smoke: { name: 'smoke', size: 'demo', seconds: 1, connections: [16], floor: false, results: false },
};
