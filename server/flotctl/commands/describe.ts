/** `flotctl describe KIND NAME...` (or KIND with -l, or KIND alone for all): readable text plus Events. */
import type { Command } from 'commander';
import type { KubeObject } from '../../../shared/api/meta.js';
import { describeObject } from '../describe/kinds.js';
import { CliError, formatError, isServerError, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { getObject, listObjects } from '../objects.js';
import { parseResourceArgs, type ResourceRef } from '../resources.js';
import { sessionFor, type Session } from '../session.js';

interface DescribeOptions {
  selector?: string;
  allNamespaces?: boolean;
}

async function runDescribe(s: Session, args: string[], opts: DescribeOptions): Promise<void> {
  const parsed = parseResourceArgs(args);
  if (parsed.refs.length > 0 && opts.selector) throw new CliError('name cannot be provided when a selector is specified');
  const client = await s.client();
  const namespace = opts.allNamespaces ? undefined : await s.namespace();
  const targets: { ref: ResourceRef; obj?: KubeObject }[] = [];
  const errors: unknown[] = [];

  if (parsed.refs.length === 0) {
    const info = parsed.info;
    if (!info) throw new CliError('you must specify the type of resource');
    const list = await listObjects(client, info, info.namespaced ? namespace : undefined, opts.selector ? { labelSelector: opts.selector } : {});
    if (list.items.length === 0) {
      s.err(info.namespaced && namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
      return;
    }
    for (const obj of list.items) targets.push({ ref: { info, name: obj.metadata.name ?? '' }, obj });
  } else {
    if (opts.allNamespaces) throw new CliError('a resource cannot be retrieved by name across all namespaces');
    for (const ref of parsed.refs) targets.push({ ref });
  }

  let first = true;
  for (const t of targets) {
    try {
      const obj = t.obj ?? (await getObject(client, t.ref.info, t.ref.info.namespaced ? namespace : undefined, t.ref.name));
      const text = await describeObject(t.ref.info, obj, { client, now: s.now() });
      s.out((first ? '' : '\n\n') + text);
      first = false;
    } catch (e: unknown) {
      if (!isServerError(e)) throw e;
      errors.push(e);
    }
  }
  for (const e of errors) s.err(formatError(e));
  if (errors.length > 0) throw new ReportedFailure();
}

export function registerDescribe(program: Command, io: CliIO): void {
  program
    .command('describe')
    .description('Show details of objects, with their events')
    .argument('<kind>', 'kind (nodes, pods, ds, ...) or KIND/NAME')
    .argument('[names...]', 'names of the objects (all of the kind when omitted)')
    .option('-l, --selector <selector>', 'describe the objects matching this label selector')
    .option('-A, --all-namespaces', 'across all namespaces')
    .action(async (kind: string, names: string[], opts: DescribeOptions, cmd: Command) => {
      await runDescribe(sessionFor(cmd, io), [kind, ...names], opts);
    });
}
