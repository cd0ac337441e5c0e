// Read replicas with read-your-writes, on a private primary and a streaming replica that applies WAL 500 ms
// late (recovery_min_apply_delay): a user's own writes are never missing from their reads, another client may
// read behind; a replica that stops leaves reads on the primary, a primary that stops leaves writes at 503 and
// reads on the replica.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { formatWalPosition, parseWalPosition } from '../../src/db/replicas.ts';
import { memoryPositions, WAL_POSITION_HEADER } from '../../src/http/read-your-writes.ts';
import { call, createArticle, registerUser } from '../../tools/harness/factories.ts';
import {
  createPrivatePostgres,
  type PrivatePostgres,
  postgresBinaries,
} from '../../tools/harness/private-postgres.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

const APPLY_DELAY_MS = 500;

describe('WAL positions', () => {
  test("pg_lsn's text form round-trips, and anything else is refused", () => {
    assert.equal(parseWalPosition('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
    assert.equal(formatWalPosition((0x16n << 32n) | 0xb374d848n), '16/B374D848');
    assert.equal(formatWalPosition(parseWalPosition('0/0')!), '0/0');
    for (const bad of ['', '16', '16/', 'x/1', '1/123456789', '1/2/3'])
      assert.equal(parseWalPosition(bad), undefined);
  });

  test('a user keeps their latest position: an earlier one never replaces it', async () => {
    const positions = memoryPositions(60_000, 2);
    await positions.raise(1, 200n);
    await positions.raise(1, 100n);
    assert.equal(await positions.get(1), 200n);
    await positions.raise(2, 5n);
    await positions.raise(3, 7n);
    assert.equal(await positions.get(1), undefined, 'the user who wrote longest ago is forgotten first');
    assert.equal(await positions.get(3), 7n);
  });
});

const bin = postgresBinaries();

describe('read replicas', {
  skip: bin === undefined ? 'no PostgreSQL server binaries (initdb)' : false,
}, () => {
  let primary: PrivatePostgres;
  let replica: PrivatePostgres;
  let gather: TestApp;

  const queriesOn = (name: string) =>
    gather.database.servers().find((server) => server.name === name)!.queries.read;
  const onReplica = () => queriesOn('Database (replica 1)');
  const comments = async (
    slug: string,
    options: { token?: string; headers?: Record<string, string> } = {},
  ) => {
    const response = await call(gather.app, 'GET', `/api/articles/${slug}/comments`, options);
    assert.equal(response.status, 200);
    return (response.body.comments as { body: string }[]).map((comment) => comment.body);
  };
  /** Until the replica has replayed everything the primary has written so far. */
  const caughtUp = async () => {
    const [written] = await gather.database.withSession((session) =>
      session.query<{ position: string }>('select pg_current_wal_insert_lsn()::text as position'),
    );
    const position = written!.position;
    const probe = new pg.Client(replica.url);
    await probe.connect();
    try {
      for (;;) {
        const { rows } = await probe.query(`select pg_last_wal_replay_lsn() >= $1::pg_lsn as done`, [
          position,
        ]);
        if (rows[0].done === true) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await probe.end();
    }
  };

  before(async () => {
    primary = await createPrivatePostgres(bin!);
    replica = await createPrivatePostgres(bin!, { replicaOf: primary, applyDelayMs: APPLY_DELAY_MS });
    gather = await bootTestApp({
      DATABASE_URL: primary.url,
      DATABASE_REPLICA_URLS: replica.url,
      REPLICA_MAX_LAG_MS: '10000',
      REQUEST_TIMEOUT_MS: '3000',
    });
  });
  after(async () => {
    await gather?.close();
    await replica?.destroy();
    await primary?.destroy();
  });

  test('a user reads their own write at once; another client may read behind until the replica replays it', async () => {
    const author = await registerUser(gather.app);
    const article = await createArticle(gather.app, author.token);
    await caughtUp();
    for (let i = 0; i < 10; i++) {
      const posted = await call(gather.app, 'POST', `/api/articles/${article.slug}/comments`, {
        token: author.token,
        body: { comment: { body: `comment ${i}` } },
      });
      assert.equal(posted.status, 200);
      const position = posted.headers[WAL_POSITION_HEADER] as string;
      assert.ok(
        parseWalPosition(position) !== undefined,
        `a write answers its WAL position, got ${position}`,
      );
      // The replica applies WAL 500 ms late: the author's read goes to the primary and sees the comment.
      assert.ok((await comments(article.slug, { token: author.token })).includes(`comment ${i}`));
      // Any client that echoes the position sees it too.
      const echoed = await comments(article.slug, { headers: { [WAL_POSITION_HEADER]: position } });
      assert.ok(echoed.includes(`comment ${i}`));
    }
    // An anonymous reader is served by the replica, within REPLICA_MAX_LAG_MS, and may not see it yet.
    const before = onReplica();
    const anonymous = await comments(article.slug);
    assert.ok(onReplica() > before, 'the anonymous read went to the replica');
    assert.ok(!anonymous.includes('comment 9'), `the replica is behind on purpose: ${anonymous.join(', ')}`);
    // Once it has replayed them, the author's reads go to the replica too.
    await caughtUp();
    const replayed = onReplica();
    assert.equal((await comments(article.slug, { token: author.token })).length, 10);
    assert.ok(onReplica() > replayed, "the author's read went to the replica once it had replayed the write");
  });

  test("a new article is found by its author's next search; another client's search may read behind", async () => {
    const author = await registerUser(gather.app);
    await caughtUp();
    const article = await createArticle(gather.app, author.token, { title: 'Echidnaware explained' });
    const search = async (token?: string) => {
      const response = await call(gather.app, 'GET', '/api/articles?q=echidnaware', { token });
      assert.equal(response.status, 200);
      return response.body.articles.map((found: { slug: string }) => found.slug);
    };
    assert.deepEqual(await search(author.token), [article.slug]);
    const before = onReplica();
    assert.deepEqual(await search(), [], 'the replica applies WAL 500 ms late');
    assert.ok(onReplica() > before, 'the anonymous search went to the replica');
    await caughtUp();
    assert.deepEqual(await search(), [article.slug]);
  });

  test('a replica lagging past REPLICA_MAX_LAG_MS is skipped: every read then goes to the primary', async () => {
    const strict = await bootTestApp({
      DATABASE_URL: primary.url,
      DATABASE_REPLICA_URLS: replica.url,
      REPLICA_MAX_LAG_MS: '100',
    });
    try {
      const author = await registerUser(strict.app);
      const article = await createArticle(strict.app, author.token);
      await caughtUp();
      // The replica's last replayed commit is older than 100 ms, and it has received one it holds back.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await call(strict.app, 'POST', `/api/articles/${article.slug}/comments`, {
        token: author.token,
        body: { comment: { body: 'held back' } },
      });
      const read = await call(strict.app, 'GET', `/api/articles/${article.slug}/comments`);
      assert.deepEqual(
        read.body.comments.map((comment: { body: string }) => comment.body),
        ['held back'],
      );
      assert.equal(strict.database.servers()[1]!.replica!.health, 'lagging');
    } finally {
      await strict.close();
    }
  });

  test('registration signs the user in: their first reads see their own account', async () => {
    const user = await registerUser(gather.app);
    const me = await call(gather.app, 'GET', '/api/user', { token: user.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, user.username);
  });

  test('a malformed Gather-Wal-Position is a 422 that names the header', async () => {
    const response = await call(gather.app, 'GET', '/api/tags', {
      headers: { [WAL_POSITION_HEADER]: 'soon' },
    });
    assert.equal(response.status, 422);
    assert.match(JSON.stringify(response.body), /gather-wal-position/);
  });

  test('a stopped replica is skipped: reads go to the primary without an error, and back when it returns', async () => {
    await caughtUp();
    await replica.stop();
    try {
      for (let i = 0; i < 20; i++) {
        assert.equal((await call(gather.app, 'GET', '/api/articles?limit=5')).status, 200);
      }
      assert.equal(gather.database.servers()[1]!.replica!.health, 'down');
    } finally {
      await replica.start();
    }
    const back = performance.now();
    while (gather.database.servers()[1]!.replica!.health !== 'up') {
      assert.ok(performance.now() - back < 10_000, 'the replica is taken back within seconds');
      await call(gather.app, 'GET', '/api/articles?limit=5');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const metrics = await gather.app.inject('/metrics');
    assert.match(metrics.body, /gather_db_replica_skips_total\{server="Database \(replica 1\)"[^}]*\} [1-9]/);
  });

  test('a stopped primary: writes answer 503, reads are still served by the replica', async () => {
    const author = await registerUser(gather.app);
    await caughtUp();
    const ready = async (url: string) => (await gather.app.inject(url)).statusCode;
    assert.deepEqual([await ready('/readyz'), await ready('/readyz?reads=true')], [200, 200]);
    await primary.stop();
    try {
      // Not ready for writes, ready for reads: a balancer routing on ?reads=true keeps the instance.
      assert.deepEqual([await ready('/readyz'), await ready('/readyz?reads=true')], [503, 200]);
      const write = await call(gather.app, 'POST', '/api/articles', {
        token: author.token,
        body: { article: { title: 'down', description: 'd', body: 'b' } },
      });
      assert.equal(write.status, 503);
      const read = await call(gather.app, 'GET', '/api/articles?limit=5', { token: author.token });
      assert.equal(read.status, 200);
      await replica.stop();
      try {
        assert.equal(await ready('/readyz?reads=true'), 503, 'neither server answers: not ready for reads');
      } finally {
        await replica.start();
      }
    } finally {
      await primary.start();
    }
  });
});
