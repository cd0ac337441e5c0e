// A client generated from /openapi.json is typed by RealWorld's names: openapi-typescript turns the document into
// types, and a small program using them through openapi-fetch type-checks under the project's tsc (strict),
// while the same program with a misspelt property or model name does not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Uses the generated types the way a client would: paths for the calls, components for the models.
const PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api.ts';

type Article = components['schemas']['Article'];
type User = components['schemas']['User'];

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000/api' });

export async function titles(tag: string): Promise<string[]> {
  const { data, error } = await client.GET('/articles', { params: { query: { tag, limit: 10 } } });
  if (error !== undefined) return error.errors.body;
  return data.articles.map((article) => article.title);
}

export async function login(email: string, password: string): Promise<User | undefined> {
  const { data } = await client.POST('/users/login', { body: { user: { email, password } } });
  return data?.user;
}

export async function read(slug: string): Promise<Article | undefined> {
  const { data } = await client.GET('/articles/{slug}', { params: { path: { slug } } });
  return data?.article;
}

export const author = (article: Article): string | null => article.author.bio;
`;

// Two mistakes a generated client must catch: a property and a model that do not exist.
const WRONG = `
import type { components } from './api.ts';

export const title = (article: components['schemas']['Article']): string => article.titel;
export type Missing = components['schemas']['Articel'];
`;

let t: TestApp;
let folder: string;
before(async () => {
  t = await bootTestApp();
  folder = mkdtempSync(join(tmpdir(), 'gather-client-'));
  // The program imports openapi-fetch as a client project would: from node_modules.
  symlinkSync(join(root, 'node_modules'), join(folder, 'node_modules'), 'dir');
});
after(async () => {
  rmSync(folder, { recursive: true, force: true });
  await t.close();
});

/** The project's tsc, strict, on the given files of the temporary folder: its exit status and output. */
function typeCheck(...files: string[]): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--allowImportingTsExtensions',
      // The declarations of node_modules are not what is tested here.
      '--skipLibCheck',
      '--lib',
      'es2022,dom',
      '--types',
      'node',
      ...files.map((file) => join(folder, file)),
    ],
    { cwd: folder, encoding: 'utf8', timeout: 120_000 },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

test('openapi-typescript generates types named after the RealWorld models, and a program using them type-checks', async () => {
  const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const types = astToString(await openapiTS(document));
  for (const name of ['Article', 'Profile', 'User', 'Comment', 'NewArticleRequest', 'GenericErrorModel']) {
    assert.match(types, new RegExp(`\\b${name}: \\{`), `components.schemas.${name}`);
  }
  assert.doesNotMatch(types, /def-\d/);
  writeFileSync(join(folder, 'api.ts'), types);
  writeFileSync(join(folder, 'program.ts'), PROGRAM);
  writeFileSync(join(folder, 'wrong.ts'), WRONG);

  const good = typeCheck('program.ts');
  assert.equal(good.status, 0, good.output);

  const wrong = typeCheck('wrong.ts');
  assert.equal(wrong.status, 2, wrong.output);
  assert.match(wrong.output, /wrong\.ts.*Property 'titel' does not exist/);
  assert.match(wrong.output, /wrong\.ts.*Property 'Articel' does not exist/);
});
