/** `flotctl cordon NODE...` / `flotctl uncordon NODE...`: spec.unschedulable, with kubectl's messages. */
import type { Command } from 'commander';
import { formatError, isServerError, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { sessionFor, type Session } from '../session.js';
import { isUnschedulable, nodeNameArg, patchNodeSpec, selectNodes } from './node-common.js';

interface CordonOptions {
  selector?: string;
}

/** Sets spec.unschedulable (cordon) or clears it (uncordon); returns kubectl's line for the node. */
export async function setUnschedulable(s: Session, name: string, cordon: boolean): Promise<string> {
  const client = await s.client();
  const { changed } = await patchNodeSpec(client, name, (node) => {
    if (isUnschedulable(node) === cordon) return undefined;
    return { unschedulable: cordon ? true : null };
  });
  const verb = cordon ? 'cordoned' : 'uncordoned';
  return changed ? `node/${name} ${verb}` : `node/${name} already ${verb}`;
}

async function run(s: Session, args: string[], opts: CordonOptions, cordon: boolean): Promise<void> {
  const client = await s.client();
  const nodes = await selectNodes(client, args.map(nodeNameArg), opts.selector ? { selector: opts.selector } : {});
  let failed = false;
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    try {
      s.out(`${await setUnschedulable(s, name, cordon)}\n`);
    } catch (e: unknown) {
      if (!isServerError(e) || nodes.length === 1) throw e;
      failed = true;
      s.err(formatError(e));
    }
  }
  if (failed) throw new ReportedFailure();
}

function register(program: Command, io: CliIO, cordon: boolean): void {
  program
    .command(cordon ? 'cordon' : 'uncordon')
    .description(cordon ? 'Mark nodes as unschedulable' : 'Mark nodes as schedulable')
    .argument('[nodes...]', 'node names (or node/NAME)')
    .option('-l, --selector <selector>', 'the nodes matching this label selector')
    .action(async (args: string[], opts: CordonOptions, cmd: Command) => {
      await run(sessionFor(cmd, io), args, opts, cordon);
    });
}

export function registerCordon(program: Command, io: CliIO): void {
  register(program, io, true);
}

export function registerUncordon(program: Command, io: CliIO): void {
  register(program, io, false);
}
