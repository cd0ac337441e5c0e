// `npm run docs:flows`: regenerates docs/flows/*.md from real traces (tools/docs-flows/flows.ts).
// `npm run docs:flows -- --check`: writes nothing, fails (exit 1) when a committed page differs from what the
// code draws today, or when a page no longer belongs to any flow.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.ts';
import { generateFlowDocs } from './flows.ts';

const FLOWS_DIR = fileURLToPath(new URL('../../docs/flows/', import.meta.url));

async function committedPages(): Promise<Map<string, string>> {
  const names = (await readdir(FLOWS_DIR).catch(() => [])).filter((name) => name.endsWith('.md'));
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, await readFile(`${FLOWS_DIR}${name}`, 'utf8')] as const),
    ),
  );
}

async function flows(check: boolean): Promise<number> {
  const generated = await generateFlowDocs();
  const committed = await committedPages();
  const stale = [...generated].filter(([name, text]) => committed.get(name) !== text).map(([name]) => name);
  const extra = [...committed.keys()].filter((name) => !generated.has(name));

  if (check) {
    if (stale.length === 0 && extra.length === 0) {
      console.log(`docs/flows: up to date (${generated.size} pages)`);
      return 0;
    }
    for (const name of stale)
      console.error(`docs/flows/${name}: ${committed.has(name) ? 'stale' : 'missing'}`);
    for (const name of extra) console.error(`docs/flows/${name}: no flow draws this page any more`);
    console.error('docs/flows: out of date; run `npm run docs:flows` and commit the result');
    return 1;
  }
  await mkdir(FLOWS_DIR, { recursive: true });
  for (const name of stale) await writeFile(`${FLOWS_DIR}${name}`, generated.get(name)!);
  for (const name of extra) await rm(`${FLOWS_DIR}${name}`);
  console.log(
    `docs/flows: ${stale.length} page(s) written, ${extra.length} removed, ${generated.size - stale.length} unchanged`,
  );
  return 0;
}

await runCli(
  process.argv.slice(2),
  ({ program, finish }) =>
    program
      .option('--check', 'write nothing; exit 1 when a committed page differs from what the code draws today')
      .action(async (options: { check?: boolean }) => finish(await flows(options.check === true))),
  { name: 'npm run docs:flows', description: 'docs/flows/*.md, drawn from real traces' },
);
