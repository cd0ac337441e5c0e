// A Redis database for a test file or a scenario: one of 1–15, at random, on the shared server (REDIS_URL, or
// the local one), so that those running at once rarely share one; undefined when no Redis answers (the tests
// that need it skip; the replicas scenario echoes positions in a header instead).
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';

export async function privateRedis(): Promise<{ url: string; redis: Redis } | undefined> {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  url.pathname = `/${randomInt(1, 16)}`;
  const redis = new Redis(url.toString(), {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    return { url: url.toString(), redis };
  } catch {
    redis.disconnect();
    return undefined;
  }
}
