/**
 * `flotctl label` and `flotctl annotate`: `KIND NAME... k=v k2-` with
 * kubectl's rules (an existing different value needs --overwrite), sent as a
 * JSON merge patch on metadata.labels / metadata.annotations.
 */
import type { Command } from 'commander';
import { CliError, formatError, isServerError, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { getObject } from '../objects.js';
import { kindLabel, parseResourceArgs, resourcePath, type ResourceRef } from '../resources.js';
import { sessionFor, type Session } from '../session.js';

export type MetadataField = 'labels' | 'annotations';

export interface MetadataChanges {
  set: Record<string, string>;
  remove: string[];
}

interface MetadataOptions {
  overwrite?: boolean;
  resourceVersion?: string;
  dryRun?: string;
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes qualified name (`[prefix/]name`), as label and annotation keys must be. */
export function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `invalid key "${key}": the prefix must be a DNS subdomain (lower case alphanumerics, '-' and '.')`;
  }
  if (!NAME_PART.test(name)) {
    return `invalid key "${key}": the name part must be 63 characters or less, start and end with an alphanumeric character, with '-', '_', '.' and alphanumerics between`;
  }
  return undefined;
}

/** Splits `k=v` and `k-` arguments (kubectl's syntax), checking keys and, for labels, values. */
export function parseMetadataChanges(args: string[], field: MetadataField): MetadataChanges {
  const changes: MetadataChanges = { set: {}, remove: [] };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      const key = arg.slice(0, eq);
      const value = arg.slice(eq + 1);
      const bad = keyProblem(key);
      if (bad) throw new CliError(bad);
      if (field === 'labels' && (value.length > 63 || !LABEL_VALUE.test(value))) {
        throw new CliError(`invalid label value: "${arg}": a label value must be 63 characters or less, empty or begin and end with an alphanumeric character, with '-', '_', '.' and alphanumerics between`);
      }
      if (key in changes.set) throw new CliError(`${field === 'labels' ? 'label' : 'annotation'} "${key}" is given more than once`);
      changes.set[key] = value;
    } else if (arg.endsWith('-')) {
      const key = arg.slice(0, -1);
      const bad = keyProblem(key);
      if (bad) throw new CliError(bad);
      changes.remove.push(key);
    } else {
      throw new CliError(`invalid ${field === 'labels' ? 'label' : 'annotation'} spec "${arg}": use KEY=VALUE to set or KEY- to remove`);
    }
  }
  for (const key of changes.remove) {
    if (key in changes.set) throw new CliError(`can not both modify and remove ${field === 'labels' ? 'a label' : 'an annotation'} in the same command`);
  }
  return changes;
}

/**
 * Splits `label` arguments into resources and changes as kubectl does: changes
 * contain `=` or end in `-`, and every resource comes before the first change.
 */
export function splitResourcesAndChanges(args: string[], noun: string): { resources: string[]; changes: string[] } {
  const resources: string[] = [];
  const changes: string[] = [];
  for (const a of args) {
    const isChange = (a.includes('=') && !a.startsWith('=')) || (a.endsWith('-') && a !== '-');
    if (isChange) changes.push(a);
    else if (changes.length > 0) throw new CliError(`all resources must be specified before ${noun} changes: ${a}`);
    else resources.push(a);
  }
  return { resources, changes };
}

/** The keys whose existing different value --overwrite would be needed to change. */
export function overwriteConflicts(current: Record<string, string>, changes: MetadataChanges): { key: string; value: string }[] {
  return Object.entries(changes.set)
    .filter(([k, v]) => k in current && current[k] !== v)
    .map(([key]) => ({ key, value: current[key] ?? '' }));
}

function conflictMessage(field: MetadataField, conflicts: { key: string; value: string }[]): string {
  const items = conflicts.map((c) => `'${c.key}' already has a value (${c.value})`);
  if (field === 'labels') return `${items.join(', ')}, and --overwrite is false`;
  return `--overwrite is false but found the following declared annotation(s): ${items.join('; ')}`;
}

async function changeOne(s: Session, ref: ResourceRef, field: MetadataField, changes: MetadataChanges, opts: MetadataOptions): Promise<string> {
  const client = await s.client();
  const namespace = ref.info.namespaced ? await s.namespace() : undefined;
  const obj = await getObject(client, ref.info, namespace, ref.name);
  const current = obj.metadata[field] ?? {};
  if (!opts.overwrite) {
    const conflicts = overwriteConflicts(current, changes);
    if (conflicts.length > 0) throw new CliError(conflictMessage(field, conflicts));
  }
  const patchField: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes.set)) if (current[k] !== v) patchField[k] = v;
  for (const k of changes.remove) {
    if (k in current) patchField[k] = null;
    else s.err(`${field === 'labels' ? 'label' : 'annotation'} "${k}" not found.\n`);
  }
  const verb = field === 'labels' ? 'labeled' : 'annotated';
  const name = `${kindLabel(ref.info)}/${ref.name}`;
  if (Object.keys(patchField).length === 0) return `${name} ${field === 'labels' ? 'not labeled' : 'annotated'}`;
  const metadata: Record<string, unknown> = { [field]: patchField };
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  const dryRun = opts.dryRun === 'server' ? { dryRun: 'All' } : undefined;
  if (opts.dryRun !== 'client') {
    await client.request({
      method: 'PATCH',
      path: resourcePath(ref.info, namespace, ref.name),
      contentType: 'application/merge-patch+json',
      body: { metadata },
      ...(dryRun ? { query: dryRun } : {}),
    });
  }
  const onlyRemovals = Object.values(patchField).every((v) => v === null);
  const suffix = opts.dryRun === 'server' ? ' (server dry run)' : opts.dryRun === 'client' ? ' (dry run)' : '';
  return `${name} ${field === 'labels' && onlyRemovals && !opts.overwrite ? 'unlabeled' : verb}${suffix}`;
}

async function runMetadata(s: Session, field: MetadataField, args: string[], opts: MetadataOptions): Promise<void> {
  if (opts.dryRun !== undefined && !['none', 'server', 'client'].includes(opts.dryRun)) {
    throw new CliError(`invalid --dry-run value "${opts.dryRun}": must be "none", "server", or "client"`);
  }
  const { resources, changes: changeArgs } = splitResourcesAndChanges(args, field === 'labels' ? 'label' : 'annotation');
  if (changeArgs.length === 0) throw new CliError(`at least one ${field === 'labels' ? 'label' : 'annotation'} update is required`);
  const changes = parseMetadataChanges(changeArgs, field);
  const parsed = parseResourceArgs(resources);
  if (parsed.refs.length === 0) throw new CliError('one or more resources must be specified as KIND NAME or KIND/NAME');
  let failed = false;
  for (const ref of parsed.refs) {
    try {
      s.out(`${await changeOne(s, ref, field, changes, opts)}\n`);
    } catch (e: unknown) {
      if (!isServerError(e) || parsed.refs.length === 1) throw e;
      failed = true;
      s.err(formatError(e));
    }
  }
  if (failed) throw new ReportedFailure();
}

function register(program: Command, io: CliIO, field: MetadataField): void {
  const verb = field === 'labels' ? 'label' : 'annotate';
  const noun = field === 'labels' ? 'labels' : 'annotations';
  program
    .command(verb)
    .description(`Update the ${noun} of objects: KEY=VALUE sets, KEY- removes`)
    .argument('<args...>', 'KIND NAME... (or KIND/NAME...) then KEY=VALUE and KEY- changes')
    .option('--overwrite', `allow changing ${noun} that already have a different value`)
    .option('--resource-version <rv>', 'only update if the object is still at this resourceVersion')
    .option('--dry-run <mode>', 'none, server or client')
    .action(async (args: string[], opts: MetadataOptions, cmd: Command) => {
      await runMetadata(sessionFor(cmd, io), field, args, opts);
    });
}

export function registerLabel(program: Command, io: CliIO): void {
  register(program, io, 'labels');
}

export function registerAnnotate(program: Command, io: CliIO): void {
  register(program, io, 'annotations');
}
