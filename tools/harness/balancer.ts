// haproxy in front of Gather instances, as a deployment puts a balancer: round robin, each instance checked on
// `healthPath` every second, the client's address appended to X-Forwarded-For (which Gather believes from
// 127.0.0.1 only, with TRUST_PROXY=127.0.0.1).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './api-client.ts';
import { freePort } from './server-process.ts';

export type Balancer = Readonly<{ url: string; port: number; stop(): Promise<void> }>;

/** Whether haproxy can be run here (.ci/run installs it with apt-get). */
export function haproxyInstalled(): boolean {
  return spawnSync('haproxy', ['-v']).error === undefined;
}

/** haproxy on a free port in front of `instances`; resolves once it answers /healthz. */
export async function startBalancer(
  instances: readonly Readonly<{ port: number }>[],
  healthPath: string,
): Promise<Balancer> {
  const folder = await mkdtemp(join(tmpdir(), 'gather-haproxy-'));
  const port = await freePort();
  await writeFile(
    join(folder, 'haproxy.cfg'),
    [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  option forwardfor',
      'frontend gather',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      `  option httpchk GET ${healthPath}`,
      ...instances.map((instance, i) => `  server i${i} 127.0.0.1:${instance.port} check inter 1s`),
      '',
    ].join('\n'),
  );
  const haproxy = spawn('haproxy', ['-db', '-f', join(folder, 'haproxy.cfg')], { stdio: 'inherit' });
  const balancer: Balancer = {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      haproxy.kill('SIGTERM');
      await rm(folder, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    const status = await fetch(`${balancer.url}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return balancer;
    if (i > 50) {
      await balancer.stop();
      throw new Error('haproxy does not answer');
    }
    await sleep(100);
  }
}
