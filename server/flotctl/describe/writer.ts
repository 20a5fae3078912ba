/**
 * kubectl describe's PrefixWriter: lines at indentation levels (two spaces
 * each), tab-separated cells aligned by a tabwriter per section, plus the
 * shared formatting of labels, annotations, tolerations and timestamps.
 */
import type { ResourceList, Toleration } from '../../../shared/api/types/index.js';
import { tabwrite } from './tabwriter.js';

/** Quantities (`500m`, `128Mi`, or plain numbers) as text. */
export function quantities(list: ResourceList | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list ?? {})) out[k] = String(v);
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`; `<unset>` when absent. */
export function rfc1123z(ts: string | undefined): string {
  if (!ts) return '<unset>';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()] ?? ''}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export class DescribeWriter {
  private readonly done: string[] = [];
  private pending = '';

  /** Writes `text` after `level` indents (two spaces each); tabs separate aligned cells. */
  write(level: number, text: string): void {
    this.pending += '  '.repeat(level) + text;
  }

  line(level: number, text: string): void {
    this.write(level, text + '\n');
  }

  /** Ends the current alignment section (kubectl flushes before the Events table). */
  flush(): void {
    if (this.pending) this.done.push(tabwrite(this.pending));
    this.pending = '';
  }

  /** Text written as is, outside any alignment (ConfigMap values may hold tabs). */
  raw(text: string): void {
    this.flush();
    this.done.push(text);
  }

  toString(): string {
    this.flush();
    return this.done.join('');
  }

  /** `Title:\tk=v` with further labels on continuation lines, sorted; `<none>` when empty. */
  labels(title: string, labels: Record<string, string> | undefined, indent = ''): void {
    this.entries(title, Object.keys(labels ?? {}).sort(), indent, (k) => this.write(0, `${k}=${labels?.[k] ?? ''}\n`));
  }

  /** `Title:\t` then one entry per item, continuation lines aligned under the first; `<none>` when there are none. */
  private entries<T>(title: string, items: readonly T[], indent: string, entry: (item: T) => void): void {
    this.write(0, `${indent}${title}:\t`);
    if (items.length === 0) {
      this.write(0, '<none>\n');
      return;
    }
    items.forEach((item, i) => {
      if (i > 0) this.write(0, `${indent}\t`);
      entry(item);
    });
  }

  /** `Title:\tkey: value` per annotation (kubectl's last-applied-configuration skipped). */
  annotations(title: string, annotations: Record<string, string> | undefined, indent = ''): void {
    const keys = Object.keys(annotations ?? {})
      .filter((k) => k !== 'kubectl.kubernetes.io/last-applied-configuration')
      .sort();
    this.entries(title, keys, indent, (k) => {
      const value = (annotations?.[k] ?? '').replace(/\n$/, '');
      if (value.includes('\n') || value.length + k.length + 2 > 140) {
        this.write(0, `${k}:\n`);
        for (const l of value.split('\n')) this.write(0, `${indent}  ${l.length > 138 ? `${l.slice(0, 135)}...` : l}\n`);
      } else {
        this.write(0, `${k}: ${value}\n`);
      }
    });
  }

  /** Tolerations as kubectl prints them: `key=value:Effect op=Exists for 300s`. */
  tolerations(title: string, tolerations: readonly Toleration[] | undefined, indent = ''): void {
    const keyOf = (t: Toleration): string => t.key ?? '';
    const sorted = [...(tolerations ?? [])].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    this.entries(title, sorted, indent, (t) => {
      let text = keyOf(t);
      if (t.value) text += `=${t.value}`;
      if (t.effect) text += `:${t.effect}`;
      if (t.operator === 'Exists' && !t.value) text += t.key || t.effect ? ' op=Exists' : 'op=Exists';
      if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
      this.write(0, `${text}\n`);
    });
  }
}
