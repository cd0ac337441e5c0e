// Metrics across `gather serve --workers N`: a scrape lands on one worker (they share the port), which asks
// the primary over the cluster IPC channel; the primary collects every worker's registry with prom-client's
// AggregatorRegistry (counters and histograms summed, event-loop delay the worst) and answers.
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';

const REQUEST = 'gather:metrics-request';
const RESPONSE = 'gather:metrics-response';
const TIMEOUT_MS = 5_000;

type MetricsRequest = { type: typeof REQUEST; id: string };
type MetricsResponse = { type: typeof RESPONSE; id: string; text?: string; error?: string };

/** In the primary: answer workers' requests for the aggregated metrics of all workers. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const reply = (response: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...response });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: Error) => reply({ error: error.message }),
    );
  });
}

/** In a worker: the aggregated metrics of all workers, from the primary. */
export function fetchClusterMetrics(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error('the primary did not answer the metrics request')),
      TIMEOUT_MS,
    );
    const onMessage = (message: MetricsResponse) => {
      if (message?.type !== RESPONSE || message.id !== id) return;
      finish(message.error === undefined ? undefined : new Error(message.error), message.text);
    };
    function finish(error: Error | undefined, text = '') {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (error === undefined) resolve(text);
      else reject(error);
    }
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id } satisfies MetricsRequest);
  });
}
