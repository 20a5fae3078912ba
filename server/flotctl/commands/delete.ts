/** `flotctl delete KIND NAME... | KIND/NAME... | -f FILE | KIND -l SELECTOR`. */
import type { Command } from 'commander';
import type { KindInfo } from '../../../shared/api/kinds.js';
import { CliError, formatError, isNotFound, isServerError, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { readAll } from '../io.js';
import { loadManifests } from '../manifests.js';
import { listObjects } from '../objects.js';
import { kindLabel, parseResourceArgs, resourcePath } from '../resources.js';
import { sessionFor, type Session } from '../session.js';
import { parseDryRun, planObjects } from './apply.js';

interface DeleteOptions {
  filename: string[];
  selector?: string;
  ignoreNotFound?: boolean;
  dryRun?: string;
  gracePeriod?: string;
}

interface Target {
  info: KindInfo;
  namespace?: string;
  name: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function targetsFrom(s: Session, args: string[], opts: DeleteOptions): Promise<Target[]> {
  const namespace = await s.namespace();
  const nsFor = (info: KindInfo): string | undefined => (info.namespaced ? namespace : undefined);
  if (opts.filename.length > 0) {
    if (args.length > 0) throw new CliError('delete takes either -f FILE or KIND NAME..., not both');
    const docs = await loadManifests(opts.filename, { readStdin: () => readAll(s.io.stdin), cwd: s.cwd });
    const planned = planObjects(docs, namespace, s.namespaceExplicit);
    if (planned.length === 0) throw new CliError('no objects passed to delete');
    return planned.map((p) => ({ info: p.info, name: p.object.metadata.name ?? '', ...(p.namespace ? { namespace: p.namespace } : {}) }));
  }
  if (args.length === 0) throw new CliError('you must provide one or more resources by argument or filename (KIND NAME, KIND/NAME or -f FILE)');
  const parsed = parseResourceArgs(args);
  if (parsed.refs.length > 0) {
    if (opts.selector) throw new CliError('name cannot be provided when a selector is specified');
    return parsed.refs.map((r) => ({ info: r.info, name: r.name, ...(r.info.namespaced ? { namespace } : {}) }));
  }
  const info = parsed.info;
  if (!info) throw new CliError('you must specify the type of resource');
  if (!opts.selector) {
    throw new CliError(`resource(s) were provided, but no name was specified: name the ${info.plural} to delete or pass -l SELECTOR`);
  }
  const list = await listObjects(await s.client(), info, nsFor(info), { labelSelector: opts.selector });
  return list.items.map((o) => ({ info, name: o.metadata.name ?? '', ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
}

async function runDelete(s: Session, args: string[], opts: DeleteOptions): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  let gracePeriodSeconds: number | undefined;
  if (opts.gracePeriod !== undefined) {
    if (!/^-?\d+$/.test(opts.gracePeriod)) throw new CliError(`invalid --grace-period "${opts.gracePeriod}": must be a whole number of seconds`);
    gracePeriodSeconds = Number(opts.gracePeriod);
  }
  const targets = await targetsFrom(s, args, opts);
  if (targets.length === 0) {
    const namespace = await s.namespace();
    s.err(`No resources found in ${namespace} namespace.\n`);
    return;
  }
  const client = await s.client();
  const suffix = dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : '';
  let failed = false;
  for (const t of targets) {
    try {
      if (dryRun !== 'client') {
        const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
        if (gracePeriodSeconds !== undefined) body.gracePeriodSeconds = gracePeriodSeconds;
        await client.request({
          method: 'DELETE',
          path: resourcePath(t.info, t.namespace, t.name),
          ...(dryRun === 'server' ? { query: { dryRun: 'All' } } : {}),
          body,
        });
      }
      s.out(`${kindLabel(t.info)} "${t.name}" deleted${suffix}\n`);
    } catch (e: unknown) {
      if (opts.ignoreNotFound && isNotFound(e)) continue;
      if (!isServerError(e)) throw e;
      failed = true;
      s.err(formatError(e));
    }
  }
  if (failed) throw new ReportedFailure();
}

export function registerDelete(program: Command, io: CliIO): void {
  program
    .command('delete')
    .description('Delete objects by kind and name, by label selector, or as named in manifests')
    .argument('[args...]', 'KIND NAME..., KIND/NAME..., or KIND with -l')
    .option('-f, --filename <path>', 'delete the objects in this manifest file, directory or - (repeatable)', collect, [])
    .option('-l, --selector <selector>', 'delete the objects of KIND matching this label selector')
    .option('--ignore-not-found', 'treat "not found" as a successful delete')
    .option('--dry-run <mode>', 'none, server or client')
    .option('--grace-period <seconds>', 'seconds the pod is given to terminate')
    .action(async (args: string[], opts: DeleteOptions, cmd: Command) => {
      await runDelete(sessionFor(cmd, io), args, opts);
    });
}
