/** `flotctl get KIND [NAME...]`: tables (server-side printed), wide, yaml, json, name; --watch. */
import type { Command } from 'commander';
import type { KindInfo } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { isTable, type Table } from '../../../shared/api/table.js';
import { TABLE_ACCEPT, type ApiClient } from '../client.js';
import { CliError, formatError, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { asKubeObject, asList, selectorQuery, type Selectors } from '../objects.js';
import { formatJson, formatObjects, formatYaml, objectName, parseOutputFormat, withoutManagedFields, type OutputFormat } from '../output.js';
import { kindLabel, parseResourceArgs, resourcePath, type ResourceRef } from '../resources.js';
import { sessionFor, type Session } from '../session.js';
import { columnWidths, defaultTable, layoutLine, tableLines, type RenderTableOptions } from '../table-render.js';

interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  headers: boolean;
  showManagedFields?: boolean;
}

/** What one GET/list answered: a Table when the server printed it, otherwise objects to print locally. */
interface Fetched {
  info: KindInfo;
  table?: Table;
  objects: KubeObject[];
  resourceVersion: string;
}

function tableFrom(s: Session, f: Fetched): Table {
  return f.table ?? defaultTable(f.objects, s.now(), f.resourceVersion);
}

/** Asks for a server-printed Table; a server that answers with plain JSON gets NAME and AGE printed locally. */
async function fetchForTable(client: ApiClient, info: KindInfo, path: string, selectors: Selectors, single: boolean): Promise<Fetched> {
  const answer = await client.request({ path, query: selectorQuery(selectors), accept: TABLE_ACCEPT });
  if (isTable(answer)) return { info, table: answer, objects: [], resourceVersion: answer.metadata.resourceVersion };
  if (single) {
    const obj = asKubeObject(answer, info);
    return { info, objects: [obj], resourceVersion: obj.metadata.resourceVersion ?? '' };
  }
  const list = asList(answer, info);
  return { info, objects: list.items, resourceVersion: list.resourceVersion };
}

async function fetchObjects(client: ApiClient, info: KindInfo, path: string, selectors: Selectors, single: boolean): Promise<Fetched> {
  const answer = await client.request({ path, query: selectorQuery(selectors) });
  if (single) {
    const obj = asKubeObject(answer, info);
    return { info, objects: [obj], resourceVersion: obj.metadata.resourceVersion ?? '' };
  }
  const list = asList(answer, info);
  return { info, objects: list.items, resourceVersion: list.resourceVersion };
}

/** Prefixes the name column with `kind/` (kubectl does when several kinds are shown together). */
function withKindPrefix(table: Table, info: KindInfo): Table {
  const nameCol = table.columnDefinitions.findIndex((c) => c.format === 'name');
  if (nameCol < 0) return table;
  return {
    ...table,
    rows: table.rows.map((r) => ({ ...r, cells: r.cells.map((c, i) => (i === nameCol ? `${kindLabel(info)}/${String(c)}` : c)) })),
  };
}

function noResources(s: Session, info: KindInfo, namespace: string | undefined): void {
  s.err(info.namespaced && namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
}

/** Prints rows as they arrive during --watch, aligned with what was printed before. */
class WatchPrinter {
  private widths: number[] = [];
  private headerShown: boolean;

  constructor(
    private readonly s: Session,
    private readonly info: KindInfo,
    private readonly format: OutputFormat,
    private readonly render: RenderTableOptions,
    initial: Table | undefined,
  ) {
    this.headerShown = render.noHeaders === true;
    if (initial && (format === 'table' || format === 'wide')) {
      const { header, rows } = tableLines(initial, render);
      const lines = render.noHeaders ? rows : [header, ...rows];
      this.widths = columnWidths(lines);
      if (rows.length > 0) this.headerShown = true;
    }
  }

  /** One watch event's object: a server-printed Table for table formats, the object otherwise. */
  print(obj: KubeObject | Table): void {
    if (isTable(obj)) {
      this.printRows(obj);
      return;
    }
    switch (this.format) {
      case 'yaml':
        this.s.out(`---\n${formatYaml(withoutManagedFields(obj))}`);
        return;
      case 'json':
        this.s.out(formatJson(withoutManagedFields(obj)));
        return;
      case 'name':
        this.s.out(`${objectName(obj, this.info)}\n`);
        return;
      default:
        this.printRows(defaultTable([obj], this.s.now(), obj.metadata.resourceVersion ?? ''));
    }
  }

  private printRows(table: Table): void {
    const { header, rows } = tableLines(table, this.render);
    const lines = this.headerShown ? rows : [header, ...rows];
    this.widths = columnWidths(lines).map((w, i) => Math.max(w, this.widths[i] ?? 0));
    for (const l of lines) this.s.out(layoutLine(l, this.widths) + '\n');
    this.headerShown = true;
  }
}

async function watchAfter(
  s: Session,
  client: ApiClient,
  info: KindInfo,
  path: string,
  selectors: Selectors,
  resourceVersion: string,
  printer: WatchPrinter,
  wantTable: boolean,
): Promise<void> {
  let rv = resourceVersion;
  const signal = s.io.signal;
  // The server ends a watch after its timeout; carry on from the last resourceVersion until interrupted.
  while (!signal?.aborted) {
    const query = { ...selectorQuery(selectors), resourceVersion: rv || undefined, allowWatchBookmarks: 'true' };
    // Table formats watch server-printed rows (one-row Tables); bookmarks stay plain objects.
    const accept = wantTable ? { accept: TABLE_ACCEPT } : {};
    await client.watch({ path, query, ...accept, ...(signal ? { signal } : {}) }, (ev) => {
      const obj = isTable(ev.object) ? ev.object : asKubeObject(ev.object, info);
      if (obj.metadata.resourceVersion) rv = obj.metadata.resourceVersion;
      if (ev.type === 'BOOKMARK') return;
      printer.print(obj);
    });
    if (!signal) return;
  }
}

async function runGet(s: Session, args: string[], opts: GetOptions): Promise<void> {
  const format = parseOutputFormat(opts.output);
  const parsed = parseResourceArgs(args);
  const selectors: Selectors = {};
  if (opts.selector) selectors.labelSelector = opts.selector;
  if (opts.fieldSelector) selectors.fieldSelector = opts.fieldSelector;
  const named = parsed.refs.length > 0;
  if (named && (opts.selector || opts.fieldSelector)) throw new CliError('name cannot be provided when a selector is specified');
  if (named && opts.allNamespaces) throw new CliError('a resource cannot be retrieved by name across all namespaces');
  if (opts.watch && parsed.refs.length > 1) throw new CliError('you may only specify a single resource type or a single object to watch');

  const client = await s.client();
  const namespace = opts.allNamespaces ? undefined : await s.namespace();
  const wantTable = format === 'table' || format === 'wide';
  const render: RenderTableOptions = { wide: format === 'wide', noHeaders: !opts.headers };
  const fetch = wantTable ? fetchForTable : fetchObjects;
  const nsFor = (info: KindInfo): string | undefined => (info.namespaced ? namespace : undefined);

  // What to fetch: one list, or one GET per name.
  const fetched: Fetched[] = [];
  const errors: unknown[] = [];
  if (!named) {
    const info = parsed.info;
    if (!info) throw new CliError('you must specify the type of resource');
    fetched.push(await fetch(client, info, resourcePath(info, nsFor(info)), selectors, false));
  } else {
    for (const ref of parsed.refs) {
      try {
        fetched.push(await fetch(client, ref.info, resourcePath(ref.info, nsFor(ref.info), ref.name), {}, true));
      } catch (e: unknown) {
        errors.push(e);
      }
    }
  }

  const showNamespace = opts.allNamespaces === true;
  const primary = fetched[0]?.info ?? parsed.info ?? parsed.refs[0]?.info;
  if (wantTable) {
    // Group by kind, one table per kind (several kinds only with KIND/NAME arguments).
    const kinds = [...new Set(fetched.map((f) => f.info))];
    const several = kinds.length > 1;
    kinds.forEach((info, i) => {
      const tables = fetched.filter((f) => f.info === info).map((f) => tableFrom(s, f));
      const first = tables[0];
      if (!first) return;
      let merged: Table = { ...first, rows: tables.flatMap((t) => t.rows) };
      if (several) merged = withKindPrefix(merged, info);
      if (merged.rows.length === 0) return;
      const { header, rows } = tableLines(merged, { ...render, namespaceColumn: showNamespace && info.namespaced });
      const lines = render.noHeaders ? rows : [header, ...rows];
      const widths = columnWidths(lines);
      if (i > 0) s.out('\n');
      s.out(lines.map((l) => layoutLine(l, widths)).join('\n') + '\n');
    });
    const total = fetched.reduce((n, f) => n + (f.table ? f.table.rows.length : f.objects.length), 0);
    if (total === 0 && errors.length === 0 && primary) noResources(s, primary, namespace);
  } else {
    const objects = fetched.flatMap((f) => f.objects).map((o) => (opts.showManagedFields ? o : withoutManagedFields(o)));
    if (format === 'name') {
      for (const f of fetched) for (const o of f.objects) s.out(`${objectName(o, f.info)}\n`);
      if (objects.length === 0 && errors.length === 0 && !opts.watch && primary) noResources(s, primary, namespace);
    } else if (format === 'yaml' || format === 'json') {
      if (objects.length > 0 || !named) s.out(formatObjects(objects, format, named && parsed.refs.length === 1));
    }
  }

  for (const e of errors) s.err(formatError(e));
  if (errors.length > 0) throw new ReportedFailure();

  if (opts.watch && primary) {
    const base = fetched[0];
    const initialTable = base && wantTable ? tableFrom(s, base) : undefined;
    const printer = new WatchPrinter(s, primary, format, { ...render, namespaceColumn: showNamespace && primary.namespaced }, initialTable);
    const ref: ResourceRef | undefined = parsed.refs[0];
    const watchSelectors: Selectors = ref ? { fieldSelector: `metadata.name=${ref.name}` } : selectors;
    const path = resourcePath(primary, nsFor(primary));
    await watchAfter(s, client, primary, path, watchSelectors, base?.resourceVersion ?? '', printer, wantTable);
  }
}

export function registerGet(program: Command, io: CliIO): void {
  program
    .command('get')
    .description('Display one or many resources (nodes, pods, daemonsets, namespaces, configmaps, secrets, events, controllerrevisions)')
    .argument('<kind>', 'kind (nodes, no, pods, ds, daemonsets.apps, ...) or KIND/NAME')
    .argument('[names...]', 'names of the objects to show')
    .option('-o, --output <format>', 'output format: wide, yaml, json or name')
    .option('-l, --selector <selector>', 'label selector, e.g. -l app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. --field-selector spec.nodeName=dev1')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-w, --watch', 'after listing, watch for changes and print them (Ctrl-C to stop)')
    .option('--no-headers', 'do not print table headers')
    .option('--show-managed-fields', 'keep metadata.managedFields in yaml/json output')
    .action(async (kind: string, names: string[], opts: GetOptions, cmd: Command) => {
      await runGet(sessionFor(cmd, io), [kind, ...names], opts);
    });
}
