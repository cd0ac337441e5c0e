// Gather's database round trips per server, as its /metrics counts them (gather_db_queries_total{server,kind}):
// the primary is 'Database', read replicas 'Database (replica N)'.
export const PRIMARY = 'Database';
export const replicaName = (n: number) => `Database (replica ${n})`;

/** Read round trips per server, summed over the instances' /metrics. */
export async function readsByServer(instances: readonly string[]): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const base of instances) {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const match of text.matchAll(/^gather_db_queries_total\{([^}]*)\} (\d+)/gm)) {
      const labels = match[1]!;
      if (!labels.includes('kind="read"')) continue;
      const server = /server="([^"]+)"/.exec(labels)![1]!;
      totals.set(server, (totals.get(server) ?? 0) + Number(match[2]));
    }
  }
  return totals;
}
