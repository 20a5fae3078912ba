/**
 * `flotctl taint nodes NAME... KEY[=VALUE]:EFFECT... KEY[:EFFECT]-...`, with kubectl's syntax,
 * rules and messages: an existing key+effect needs --overwrite; removing a taint that is not
 * there fails; the node's whole taint list is written back guarded by its resourceVersion.
 */
import type { Command } from 'commander';
import { formatTaint, isTaintEffect, taintsOf, type Taint, type TaintEffect } from '../../../shared/api/taints.js';
import { rfc3339 } from '../../../shared/util/clock.js';
import { CliError, formatError, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { sessionFor, type Session } from '../session.js';
import { keyProblem } from './label.js';
import { isNodeType, nodeNameArg, patchNodeSpec, selectNodes } from './node-common.js';

export interface TaintRemoval {
  key: string;
  /** Absent: every effect of the key. */
  effect?: TaintEffect;
}

export interface TaintChanges {
  add: Taint[];
  remove: TaintRemoval[];
}

export type TaintOperation = 'tainted' | 'untainted' | 'modified';

interface TaintOptions {
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isTaintArg(a: string): boolean {
  return a.includes('=') || a.includes(':') || a.endsWith('-');
}

/** Resources first, then taint changes (anything with `=` or `:`, or ending in `-`), as kubectl splits them. */
export function splitTaintArgs(args: string[]): { resources: string[]; specs: string[] } {
  const resources: string[] = [];
  const specs: string[] = [];
  for (const a of args) {
    if (isTaintArg(a)) specs.push(a);
    else if (specs.length > 0) throw new CliError(`all resources must be specified before taint changes: ${a}`);
    else resources.push(a);
  }
  return { resources, specs };
}

/** kubectl's parseTaint: `key=value:effect`, `key:effect` or `key`. */
function parseOne(spec: string): { key: string; value?: string; effect?: TaintEffect } {
  const parts = spec.split(':');
  let key: string;
  let value: string | undefined;
  let effect: TaintEffect | undefined;
  if (parts.length === 1) {
    key = parts[0] ?? '';
  } else if (parts.length === 2) {
    const e = parts[1] ?? '';
    if (!isTaintEffect(e)) throw new CliError(`invalid taint effect: ${e}, unsupported taint effect`);
    effect = e;
    const kv = (parts[0] ?? '').split('=');
    if (kv.length > 2) throw new CliError(`invalid taint spec: ${spec}`);
    key = kv[0] ?? '';
    if (kv.length === 2) {
      value = kv[1] ?? '';
      if (value.length > 63 || !LABEL_VALUE.test(value)) {
        throw new CliError(`invalid taint spec: ${spec}, a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
      }
    }
  } else {
    throw new CliError(`invalid taint spec: ${spec}`);
  }
  const bad = keyProblem(key);
  if (bad) throw new CliError(`invalid taint spec: ${spec}, ${bad}`);
  return { key, ...(value !== undefined ? { value } : {}), ...(effect ? { effect } : {}) };
}

/** kubectl's ParseTaints plus its checks: additions need an effect, are unique, and are not also removed. */
export function parseTaintSpecs(specs: string[]): TaintChanges {
  const changes: TaintChanges = { add: [], remove: [] };
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const t = parseOne(spec.slice(0, -1));
      changes.remove.push(t.effect ? { key: t.key, effect: t.effect } : { key: t.key });
      continue;
    }
    const t = parseOne(spec);
    if (!t.effect) throw new CliError(`invalid taint spec: ${spec}`);
    const taint: Taint = { key: t.key, effect: t.effect, ...(t.value ? { value: t.value } : {}) };
    if (changes.add.some((a) => a.key === taint.key && a.effect === taint.effect)) {
      throw new CliError(`duplicated taints with the same key and effect: ${formatTaint(taint)}`);
    }
    changes.add.push(taint);
  }
  if (changes.add.length === 0 && changes.remove.length === 0) throw new CliError('at least one taint update is required');
  const both = changes.remove.filter((r) => changes.add.some((a) => a.key === r.key && (r.effect === undefined || a.effect === r.effect)));
  if (both.length > 0) {
    throw new CliError(`can not both modify and remove the following taint(s) in the same command: ${both.map((r) => formatTaint(r)).join(', ')}`);
  }
  return changes;
}

/**
 * The node's taints after `changes`, in place where they were, new ones appended. New NoExecute
 * taints get `timeAdded` (eviction deadlines count from it); an unchanged one keeps its own.
 */
export function applyTaintChanges(
  nodeName: string,
  current: Taint[],
  changes: TaintChanges,
  opts: { overwrite: boolean; now: string },
): { taints: Taint[]; operation: TaintOperation } {
  if (!opts.overwrite) {
    const existing = changes.add.filter((a) => current.some((c) => c.key === a.key && c.effect === a.effect)).map((a) => a.key);
    if (existing.length > 0) {
      throw new CliError(`node ${nodeName} already has ${existing.join(',')} taint(s) with same effect(s) and --overwrite is false`);
    }
  }
  const fresh = (a: Taint, old?: Taint): Taint => {
    if (a.effect !== 'NoExecute') return a;
    const same = old && (old.value ?? '') === (a.value ?? '') && old.timeAdded;
    return { ...a, timeAdded: same ? (old.timeAdded ?? opts.now) : opts.now };
  };
  let taints = current.map((c) => {
    const a = changes.add.find((x) => x.key === c.key && x.effect === c.effect);
    return a ? fresh(a, c) : c;
  });
  for (const a of changes.add) if (!current.some((c) => c.key === a.key && c.effect === a.effect)) taints.push(fresh(a));
  for (const r of changes.remove) {
    const kept = taints.filter((t) => !(t.key === r.key && (r.effect === undefined || t.effect === r.effect)));
    if (kept.length === taints.length) throw new CliError(`taint "${formatTaint(r)}" not found`);
    taints = kept;
  }
  const operation: TaintOperation =
    opts.overwrite || (changes.add.length > 0 && changes.remove.length > 0) ? 'modified' : changes.add.length > 0 ? 'tainted' : 'untainted';
  return { taints, operation };
}

async function taintOne(s: Session, name: string, changes: TaintChanges, overwrite: boolean): Promise<string> {
  const client = await s.client();
  let operation: TaintOperation = 'tainted';
  await patchNodeSpec(client, name, (node) => {
    const result = applyTaintChanges(name, taintsOf(node), changes, { overwrite, now: rfc3339(s.now()) });
    operation = result.operation;
    return { taints: result.taints.length > 0 ? result.taints : null };
  });
  return `node/${name} ${operation}`;
}

async function runTaint(s: Session, args: string[], opts: TaintOptions): Promise<void> {
  const { resources, specs } = splitTaintArgs(args);
  const [type, ...rest] = resources;
  if (type === undefined) throw new CliError('you must specify the type of resource: flotctl taint nodes NAME KEY=VALUE:EFFECT');
  let names: string[];
  if (type.includes('/')) names = resources.map(nodeNameArg);
  else if (isNodeType(type)) names = rest;
  else throw new CliError(`invalid resource type ${type}, only node types are supported`);
  const changes = parseTaintSpecs(specs);
  const client = await s.client();
  const sel = { ...(opts.selector ? { selector: opts.selector } : {}), ...(opts.all ? { all: true } : {}) };
  const nodes = await selectNodes(client, names, sel);
  let failed = false;
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    try {
      s.out(`${await taintOne(s, name, changes, opts.overwrite === true)}\n`);
    } catch (e: unknown) {
      if (nodes.length === 1) throw e;
      failed = true;
      s.err(formatError(e));
    }
  }
  if (failed) throw new ReportedFailure();
}

export function registerTaint(program: Command, io: CliIO): void {
  program
    .command('taint')
    .description('Update the taints on nodes: KEY[=VALUE]:EFFECT adds, KEY:EFFECT- or KEY- removes')
    .argument('<args...>', 'nodes NAME... (or node/NAME...) then KEY[=VALUE]:EFFECT and KEY[:EFFECT]- changes')
    .option('--overwrite', 'replace a taint that already has the same key and effect')
    .option('-l, --selector <selector>', 'the nodes matching this label selector')
    .option('--all', 'every node')
    .action(async (args: string[], opts: TaintOptions, cmd: Command) => {
      await runTaint(sessionFor(cmd, io), args, opts);
    });
}
