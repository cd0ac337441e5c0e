// Reads a diagram back with Mermaid's own parser (mermaid 11 runs in Node without a DOM): a diagram that
// Mermaid rejects throws here, and tests assert on the statements Mermaid understood, not on our text.
import mermaid from 'mermaid';

export type Statement = {
  type:
    | 'call'
    | 'reply'
    | 'note'
    | 'par'
    | 'and'
    | 'end'
    | 'autonumber'
    | 'activate'
    | 'deactivate'
    | 'other';
  from?: string;
  to?: string;
  text: string;
};

/** Mermaid's sequence LINETYPE numbers (see mermaid's sequenceDb) for the statements Gather draws. */
const TYPES: Record<number, Statement['type']> = {
  0: 'call',
  1: 'reply',
  2: 'note',
  17: 'activate',
  18: 'deactivate',
  19: 'par',
  20: 'and',
  21: 'end',
  26: 'autonumber',
};

type ParsedMessage = { type: number; from?: string; to?: string; message: unknown };
type SequenceDb = { getMessages(): ParsedMessage[]; getActorKeys(): string[] };

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Mermaid parks entity codes (`#59;`) as placeholders until it draws; this is the text the SVG shows. */
function asDrawn(text: string): string {
  return text
    .replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (_, name: string) => NAMED[name] ?? `&${name};`);
}

export async function parseSequence(text: string): Promise<{ actors: string[]; statements: Statement[] }> {
  await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as SequenceDb;
  return {
    actors: db.getActorKeys(),
    statements: db.getMessages().map((message) => ({
      type: TYPES[message.type] ?? 'other',
      ...(message.from !== undefined && { from: message.from }),
      ...(message.to !== undefined && { to: message.to }),
      text: typeof message.message === 'string' ? asDrawn(message.message) : '',
    })),
  };
}

/** The ```mermaid blocks of a Markdown document. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1]!);
}
