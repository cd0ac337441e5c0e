// `gather bench <scenario>`: one sub-command per scenario, its options declared in bench/cli/<scenario>.ts.
// The scenario itself (bench/<scenario>.ts, exporting run(options) → exit code) loads only when it runs, so
// that registering these costs the other commands nothing.
import type { Cli, GatherCommand } from '../src/cli/program.ts';
import { registerHttp } from './cli/http.ts';
import { registerLatency } from './cli/latency.ts';
import { registerLoginStorm } from './cli/login-storm.ts';
import { registerParallel } from './cli/parallel.ts';
import { registerStartup } from './cli/startup.ts';
import { registerTracing } from './cli/tracing.ts';

export function registerScenarios(bench: GatherCommand, cli: Cli): void {
  registerHttp(bench, cli);
  registerLatency(bench, cli);
  registerParallel(bench, cli);
  registerLoginStorm(bench, cli);
  registerTracing(bench, cli);
  registerStartup(bench, cli);
}
