/** kubectl's plain-text layout of a `meta.k8s.io/v1` Table (`get`, `get -o wide`, `token list`). */
import type { KubeObject } from '../../shared/api/meta.js';
import { formatAge } from '../../shared/api/print-format.js';
import type { Table, TableRow } from '../../shared/api/table.js';
import { isRecord } from '../../shared/util/guards.js';

export interface RenderTableOptions {
  wide: boolean;
  noHeaders?: boolean;
  /** Prefix a NAMESPACE column taken from each row's object metadata (kubectl -A). */
  namespaceColumn?: boolean;
}

/** Cell text as kubectl prints it: strings cut at the first line break with `...`. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const cut = cell.search(/[\f\n\r]/);
    return cut >= 0 ? `${cell.slice(0, cut)}...` : cell;
  }
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}

function rowNamespace(row: TableRow): string {
  const object: unknown = row.object;
  if (!isRecord(object) || !isRecord(object.metadata)) return '';
  const namespace = object.metadata.namespace;
  return typeof namespace === 'string' ? namespace : '';
}

/** The header and row lines of a table, cells already chosen and stringified (without layout). */
export function tableLines(table: Table, opts: RenderTableOptions): { header: string[]; rows: string[][] } {
  const shown = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => opts.wide || (c.priority ?? 0) === 0);
  const header = shown.map(({ c }) => c.name.toUpperCase());
  const rows = table.rows.map((r) => shown.map(({ i }) => cellText(r.cells[i])));
  if (opts.namespaceColumn) {
    header.unshift('NAMESPACE');
    table.rows.forEach((r, n) => rows[n]?.unshift(rowNamespace(r)));
  }
  return { header, rows };
}

/** Column widths as kubectl's tabwriter computes them: min width 6, padding 3. */
export function columnWidths(lines: string[][]): number[] {
  const widths: number[] = [];
  for (const line of lines) {
    line.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 6, cell.length + 3);
    });
  }
  return widths;
}

/** One line laid out with the given widths; the last cell is not padded. */
export function layoutLine(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('');
}

/** kubectl's plain-text (and `-o wide`) table: upper-case headers, columns 3 spaces apart, left aligned. */
export function renderTable(table: Table, opts: RenderTableOptions): string {
  const { header, rows } = tableLines(table, opts);
  const lines = opts.noHeaders ? rows : [header, ...rows];
  if (lines.length === 0) return '';
  const widths = columnWidths(lines);
  return lines.map((l) => layoutLine(l, widths)).join('\n') + '\n';
}

/**
 * NAME and AGE of objects a server sent as plain JSON instead of a Table, as kubectl prints
 * kinds it has no columns for. The Flotilla hub always prints its Tables itself.
 */
export function defaultTable(objects: KubeObject[], now: Date, resourceVersion: string): Table {
  const column = (name: string, format = ''): Table['columnDefinitions'][number] => ({ name, type: 'string', format, description: '', priority: 0 });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [column('Name', 'name'), column('Age')],
    rows: objects.map((o) => ({
      cells: [o.metadata.name ?? '', formatAge(o.metadata.creationTimestamp, now)],
      object: { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata },
    })),
  };
}
