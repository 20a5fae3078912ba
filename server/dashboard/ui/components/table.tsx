/** A plain, horizontally scrollable data table with a caption for screen readers. */
import type { ComponentChildren } from 'preact';

export interface TableRow {
  key: string;
  cells: ComponentChildren[];
  class?: string;
}

export function Table({ label, headers, rows, class: cls }: { label: string; headers: string[]; rows: TableRow[]; class?: string }) {
  return (
    <div class="table-scroll">
      <table aria-label={label} class={cls}>
        <thead>
          <tr>
            {headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} class={r.class}>
              {r.cells.map((c, i) => (
                <td key={i}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
