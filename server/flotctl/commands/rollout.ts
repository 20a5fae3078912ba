/**
 * `flotctl rollout status|history|undo|pause|resume|restart|promote ds/NAME`: kubectl's rollout
 * verbs for DaemonSets, plus Flotilla's pause, resume and promote for staged fleet rollouts.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../../shared/util/duration.js';
import { isRecord } from '../../../shared/util/guards.js';
import { CliError } from '../errors.js';
import type { CliIO } from '../io.js';
import { formatYaml } from '../output.js';
import { sessionFor, type Session } from '../session.js';
import { daemonSetArg, getDaemonSet, promote, restart, revisionsOf, setPaused, undo, type RolloutTarget } from '../rollout/daemonset.js';
import { watchStatus } from '../rollout/status.js';

async function target(s: Session, args: string[]): Promise<RolloutTarget> {
  return { client: await s.client(), namespace: await s.namespace(), name: daemonSetArg(args) };
}

function revisionNumber(flag: string, v: string): number {
  if (!/^[0-9]+$/.test(v)) throw new CliError(`${flag} must be a revision number, got "${v}"`);
  return Number(v);
}

function isTty(io: CliIO): boolean {
  return 'isTTY' in io.stdout && io.stdout.isTTY === true;
}

async function history(s: Session, args: string[], opts: { revision?: string }): Promise<void> {
  const t = await target(s, args);
  const revisions = await revisionsOf(t, await getDaemonSet(t));
  if (opts.revision !== undefined) {
    const n = revisionNumber('--revision', opts.revision);
    const r = revisions.find((x) => x.revision === n);
    if (!r) throw new CliError(`unable to find the specified revision ${n}`);
    const template = isRecord(r.data) && isRecord(r.data['spec']) ? r.data['spec']['template'] : undefined;
    s.out(`daemonset.apps/${t.name} with revision #${n}\nPod Template:\n${formatYaml(template).replace(/^/gm, '  ')}`);
    return;
  }
  if (revisions.length === 0) {
    s.out(`No rollout history found in daemonset.apps/${t.name}\n`);
    return;
  }
  const rows = revisions.map((r) => `${String(r.revision).padEnd(10)}${r.changeCause ?? '<none>'}`);
  s.out(`daemonset.apps/${t.name} \nREVISION  CHANGE-CAUSE\n${rows.join('\n')}\n\n`);
}

export function registerRollout(program: Command, io: CliIO): void {
  const rollout = program.command('rollout').description('Manage the rollout of a DaemonSet across the fleet');
  const simple = (verb: string, description: string, run: (t: RolloutTarget, s: Session) => Promise<string>): void => {
    rollout
      .command(verb)
      .description(description)
      .argument('<resource...>', 'ds/NAME')
      .action(async (args: string[], _o: unknown, cmd: Command) => {
        const s = sessionFor(cmd, io);
        s.out(`${await run(await target(s, args), s)}\n`);
      });
  };

  rollout
    .command('status')
    .description('Show the rollout: a bar per stage; succeeds when every reachable device runs the current revision')
    .argument('<resource...>', 'ds/NAME')
    .option('-w, --watch <bool>', 'wait until the rollout finishes', 'true')
    .option('--timeout <duration>', 'give up after this long (0 = never)', '0s')
    .action(async (args: string[], opts: { watch: string; timeout: string }, cmd: Command) => {
      const s = sessionFor(cmd, io);
      await watchStatus(await target(s, args), {
        watch: opts.watch !== 'false',
        timeoutMs: opts.timeout === '0' ? 0 : parseDuration('--timeout', opts.timeout),
        intervalMs: 1000,
        tty: isTty(io),
        write: (text) => s.out(text),
        now: () => s.now().getTime(),
        ...(io.signal ? { signal: io.signal } : {}),
      });
    });

  rollout
    .command('history')
    .description('List the revisions of a DaemonSet')
    .argument('<resource...>', 'ds/NAME')
    .option('--revision <n>', 'show the pod template of this revision')
    .action(async (args: string[], opts: { revision?: string }, cmd: Command) => history(sessionFor(cmd, io), args, opts));

  rollout
    .command('undo')
    .description('Roll back to the previous revision (or --to-revision N)')
    .argument('<resource...>', 'ds/NAME')
    .option('--to-revision <n>', 'the revision to roll back to (0 = the previous one)', '0')
    .action(async (args: string[], opts: { toRevision: string }, cmd: Command) => {
      const s = sessionFor(cmd, io);
      s.out(`${await undo(await target(s, args), revisionNumber('--to-revision', opts.toRevision))}\n`);
    });

  simple('pause', 'Touch no further device until resumed', (t) => setPaused(t, true));
  simple('resume', 'Continue a paused rollout', (t) => setPaused(t, false));
  simple('restart', 'Restart every pod of the DaemonSet, as a rolling update', (t, s) => restart(t, s.now()));
  simple('promote', 'Release the stage waiting for confirmation', (t) => promote(t));
}
