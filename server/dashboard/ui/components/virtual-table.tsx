/**
 * A table that renders only the rows in view (plus a few), so 10,000 rows scroll smoothly.
 * Keyboard: the table is one tab stop; arrows, Page Up/Down, Home/End move the active row,
 * Enter opens it. Column headers are buttons that sort.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export const ROW_HEIGHT = 34;
const OVERSCAN = 8;

export interface Column<R> {
  key: string;
  title: string;
  /** CSS grid track, e.g. "minmax(10rem, 2fr)". */
  width: string;
  cell: (row: R) => ComponentChildren;
  /** Shown on a narrow (phone) screen. */
  narrow?: boolean;
}

export type SortDir = 'asc' | 'desc';

export interface VirtualTableProps<R> {
  label: string;
  rows: readonly R[];
  columns: Column<R>[];
  rowKey: (row: R) => string;
  rowClass?: (row: R) => string;
  sort: { key: string; dir: SortDir };
  onSort: (key: string) => void;
  onOpen: (row: R) => void;
}

export function useNarrow(): boolean {
  const query = '(max-width: 700px)';
  const [narrow, setNarrow] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = (): void => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return narrow;
}

export function VirtualTable<R>(p: VirtualTableProps<R>) {
  const narrow = useNarrow();
  const columns = narrow ? p.columns.filter((c) => c.narrow) : p.columns;
  const template = columns.map((c) => c.width).join(' ');
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [active, setActive] = useState(0);

  useEffect(() => {
    const v = viewport.current;
    if (!v) return;
    const ro = new ResizeObserver(() => setHeight(v.clientHeight));
    ro.observe(v);
    return () => ro.disconnect();
  }, []);

  const count = p.rows.length;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const activeRow = Math.min(active, Math.max(0, count - 1));

  const moveTo = (i: number): void => {
    const next = Math.max(0, Math.min(count - 1, i));
    setActive(next);
    const v = viewport.current;
    if (!v) return;
    const top = next * ROW_HEIGHT;
    if (top < v.scrollTop) v.scrollTop = top;
    else if (top + ROW_HEIGHT > v.scrollTop + v.clientHeight) v.scrollTop = top + ROW_HEIGHT - v.clientHeight;
  };
  const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
  const onKey = (e: KeyboardEvent): void => {
    const moves: Record<string, number> = { ArrowDown: activeRow + 1, ArrowUp: activeRow - 1, PageDown: activeRow + page, PageUp: activeRow - page, Home: 0, End: count - 1 };
    const to = moves[e.key];
    if (to !== undefined) {
      e.preventDefault();
      moveTo(to);
    } else if (e.key === 'Enter') {
      const row = p.rows[activeRow];
      if (row !== undefined) p.onOpen(row);
    }
  };

  const visible = [];
  for (let i = first; i < last; i++) {
    const row = p.rows[i];
    if (row === undefined) continue;
    visible.push(
      <div
        key={p.rowKey(row)}
        id={`vt-row-${i}`}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={i === activeRow}
        class={`vt-row ${i === activeRow ? 'active' : ''} ${p.rowClass?.(row) ?? ''}`}
        style={{ gridTemplateColumns: template, transform: `translateY(${i * ROW_HEIGHT}px)` }}
        onClick={() => {
          setActive(i);
          p.onOpen(row);
        }}
      >
        {columns.map((c) => (
          <div key={c.key} role="gridcell" class={`vt-cell col-${c.key}`}>
            {c.cell(row)}
          </div>
        ))}
      </div>,
    );
  }

  return (
    <div class="vt" role="grid" aria-label={p.label} aria-rowcount={count + 1}>
      <div class="vt-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
        {columns.map((c) => {
          const sorted = p.sort.key === c.key;
          return (
            <div key={c.key} role="columnheader" aria-sort={sorted ? (p.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button type="button" class="sort" onClick={() => p.onSort(c.key)}>
                {c.title}
                <span aria-hidden="true">{sorted ? (p.sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
              </button>
            </div>
          );
        })}
      </div>
      <div
        ref={viewport}
        class="vt-viewport"
        tabIndex={0}
        aria-activedescendant={count > 0 ? `vt-row-${activeRow}` : undefined}
        onScroll={(e) => setScrollTop((e.currentTarget).scrollTop)}
        onKeyDown={onKey}
      >
        <div class="vt-spacer" style={{ height: `${count * ROW_HEIGHT}px` }}>
          {visible}
        </div>
        {count === 0 && <p class="empty">No rows match.</p>}
      </div>
    </div>
  );
}
