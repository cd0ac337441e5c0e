// Tables the benchmarks print: columns padded to their widest cell, text on the left, figures on the right.

/** Cell i of a row, padded to `width`: the first `textColumns` columns to the left, the rest to the right. */
const pad = (cell: string, i: number, width: number, textColumns: number): string =>
  i < textColumns ? cell.padEnd(width) : cell.padStart(width);

const widthsOf = (header: readonly string[], rows: readonly (readonly string[])[]): number[] =>
  header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));

/** A plain-text table for the terminal, columns two spaces apart. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns = 0,
): string {
  const widths = widthsOf(header, rows);
  return [header, ...rows]
    .map((row) => row.map((cell, i) => pad(cell, i, widths[i]!, textColumns)).join('  '))
    .join('\n');
}

/** A Markdown table (for docs and results files), its rule saying which columns align to which side. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns = 1,
): string {
  const widths = widthsOf(header, rows);
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => pad(cell, i, widths[i]!, textColumns)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < textColumns ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
