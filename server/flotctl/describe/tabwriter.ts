/**
 * Go's text/tabwriter (left-aligned, space padding), which kubectl's describe
 * output goes through: tab-terminated cells of consecutive lines form
 * column blocks padded to the widest cell; text after the last tab is not
 * part of a column.
 */

export interface TabwriterOptions {
  minWidth: number;
  padding: number;
}

function formatBlock(lines: string[][], widths: number[], line0: number, line1: number, opts: TabwriterOptions, out: string[]): void {
  const column = widths.length;
  let start = line0;
  let i = line0;
  while (i < line1) {
    const line = lines[i] ?? [];
    if (column >= line.length - 1) {
      i++;
      continue;
    }
    // Lines before this one have no cell in this column: print them with the widths so far.
    writeLines(lines, widths, start, i, out);
    start = i;
    let width = opts.minWidth;
    for (; i < line1; i++) {
      const l = lines[i] ?? [];
      if (column >= l.length - 1) break;
      width = Math.max(width, (l[column] ?? '').length + opts.padding);
    }
    formatBlock(lines, [...widths, width], start, i, opts, out);
    start = i;
  }
  writeLines(lines, widths, start, line1, out);
}

function writeLines(lines: string[][], widths: number[], from: number, to: number, out: string[]): void {
  for (let i = from; i < to; i++) {
    const line = lines[i] ?? [];
    out.push(line.map((cell, j) => (j < widths.length && j < line.length - 1 ? cell.padEnd(widths[j] ?? 0) : cell)).join(''));
  }
}

/** Lays out text whose cells are separated by tabs. */
export function tabwrite(text: string, opts: TabwriterOptions = { minWidth: 0, padding: 2 }): string {
  const trailingNewline = text.endsWith('\n');
  const rawLines = (trailingNewline ? text.slice(0, -1) : text).split('\n');
  const lines = rawLines.map((l) => l.split('\t'));
  const out: string[] = [];
  formatBlock(lines, [], 0, lines.length, opts, out);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}
