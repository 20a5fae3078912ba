/**
 * `flotctl apply -f FILE|DIR|-`: server-side apply of every object in the
 * manifests (PATCH `application/apply-patch+yaml`, `fieldManager=flotctl`,
 * `force=true`). A GET first tells created from configured/unchanged. All
 * documents are checked before the first request, so a bad file applies
 * nothing.
 */
import type { Command } from 'commander';
import type { KindInfo } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import type { Query } from '../client.js';
import { CliError, formatError, isNotFound, isServerError, ReportedFailure, ServerError } from '../errors.js';
import type { CliIO } from '../io.js';
import { readAll } from '../io.js';
import { docLocation, loadManifests, type ManifestDoc } from '../manifests.js';
import { asKubeObject } from '../objects.js';
import { kindLabel, kindOfManifest, resourcePath } from '../resources.js';
import { sessionFor, type Session } from '../session.js';

export const FIELD_MANAGER = 'flotctl';
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

type DryRun = 'none' | 'server' | 'client';

interface ApplyOptions {
  filename: string[];
  dryRun?: string;
  serverSide?: boolean;
}

export interface PlannedObject {
  doc: ManifestDoc;
  info: KindInfo;
  namespace?: string;
  object: KubeObject;
}

export function parseDryRun(v: string | boolean | undefined): DryRun {
  if (v === undefined || v === false || v === 'none') return 'none';
  if (v === 'server' || v === 'client') return v;
  if (v === true) return 'client';
  throw new CliError(`invalid --dry-run value "${String(v)}": must be "none", "server", or "client"`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Resolves every document's kind and namespace before anything is sent;
 * throws one error listing every bad document.
 */
export function planObjects(docs: ManifestDoc[], namespace: string, namespaceExplicit: boolean): PlannedObject[] {
  const problems: string[] = [];
  const planned: PlannedObject[] = [];
  for (const doc of docs) {
    let info: KindInfo;
    try {
      info = kindOfManifest(doc.object.apiVersion, doc.object.kind);
    } catch (e: unknown) {
      problems.push(`${docLocation(doc)}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const object: KubeObject = { ...doc.object, metadata: { ...doc.object.metadata } };
    const own = doc.object.metadata.namespace;
    if (!info.namespaced) {
      planned.push({ doc, info, object });
      continue;
    }
    if (own && namespaceExplicit && own !== namespace) {
      problems.push(
        `${docLocation(doc)}: the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`,
      );
      continue;
    }
    const ns = own ?? namespace;
    object.metadata.namespace = ns;
    planned.push({ doc, info, namespace: ns, object });
  }
  if (problems.length > 0) throw new CliError(problems.join('\n'));
  return planned;
}

function withContext(e: unknown, action: string, source: string): unknown {
  if (!isServerError(e)) return e;
  return new ServerError(e.code, e.reason, `error when ${action} "${source}": ${e.message}`, e.details);
}

async function applyOne(s: Session, p: PlannedObject, dryRun: DryRun): Promise<string> {
  const client = await s.client();
  const name = p.object.metadata.name ?? '';
  const label = `${kindLabel(p.info)}/${name}`;
  const suffix = dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : '';
  const query: Query = { fieldManager: FIELD_MANAGER };
  if (dryRun === 'server') query.dryRun = 'All';

  let current: KubeObject | undefined;
  try {
    current = asKubeObject(await client.request({ path: resourcePath(p.info, p.namespace, name) }), p.info);
  } catch (e: unknown) {
    if (!isNotFound(e)) throw withContext(e, 'retrieving current configuration of', p.doc.source);
  }

  if (dryRun === 'client') return `${label} ${current ? 'configured' : 'created'}${suffix}`;

  // Server-side apply creates a missing object too, with flotctl's Apply entry in managedFields,
  // so applying the same manifest again leaves the object (and its resourceVersion) unchanged.
  let applied: KubeObject;
  try {
    applied = asKubeObject(
      await client.request({
        method: 'PATCH',
        path: resourcePath(p.info, p.namespace, name),
        query: { ...query, force: 'true' },
        body: JSON.stringify(p.object),
        contentType: APPLY_PATCH_CONTENT_TYPE,
      }),
      p.info,
    );
  } catch (e: unknown) {
    throw withContext(e, current ? 'applying' : 'creating', p.doc.source);
  }
  if (!current) return `${label} created${suffix}`;
  const moved = applied.metadata.resourceVersion !== current.metadata.resourceVersion;
  return `${label} ${moved || dryRun === 'server' ? 'configured' : 'unchanged'}${suffix}`;
}

async function runApply(s: Session, opts: ApplyOptions): Promise<void> {
  if (opts.filename.length === 0) throw new CliError('must specify -f FILE (a file, a directory, or - for stdin)');
  const dryRun = parseDryRun(opts.dryRun);
  const docs = await loadManifests(opts.filename, { readStdin: () => readAll(s.io.stdin), cwd: s.cwd });
  const planned = planObjects(docs, await s.namespace(), s.namespaceExplicit);
  if (planned.length === 0) throw new CliError('no objects passed to apply');
  let failed = false;
  for (const p of planned) {
    try {
      s.out(`${await applyOne(s, p, dryRun)}\n`);
    } catch (e: unknown) {
      if (!isServerError(e)) throw e;
      failed = true;
      s.err(formatError(e));
    }
  }
  if (failed) throw new ReportedFailure();
}

export function registerApply(program: Command, io: CliIO): void {
  program
    .command('apply')
    .description('Create or update objects from manifests (server-side apply, field manager "flotctl")')
    .option('-f, --filename <path>', 'manifest file, directory of *.yaml/*.yml/*.json, or - for stdin (repeatable)', collect, [])
    .option('--dry-run <mode>', 'none, server (the hub validates and answers without storing) or client')
    .option('--server-side', 'accepted for kubectl compatibility: flotctl always applies server-side')
    .action(async (opts: ApplyOptions, cmd: Command) => {
      await runApply(sessionFor(cmd, io), opts);
    });
}
