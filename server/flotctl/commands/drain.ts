/**
 * `flotctl drain NODE`: cordon, then evict the node's pods (kubectl's rules and messages:
 * DaemonSet-managed pods are refused unless --ignore-daemonsets, which skips them; pods that
 * declare no controller are refused unless --force) and wait, bounded by --timeout, until they
 * are gone. Evictions respect PodDisruptionBudgets: a refused one is retried until --timeout
 * (drain-evict.ts). A node that is unreachable cannot stop its pods now: there a pod counts as done
 * once it is Terminating, and its agent stops it when it reconnects.
 */
import type { Command } from 'commander';
import type { KubeObject } from '../../../shared/api/meta.js';
import { kindByName } from '../../../shared/api/kinds.js';
import { parseDuration } from '../../../shared/util/duration.js';
import { errorMessage, isRecord } from '../../../shared/util/guards.js';
import type { ApiClient } from '../client.js';
import { CliError, isNotFound, ReportedFailure } from '../errors.js';
import type { CliIO } from '../io.js';
import { getObject, listObjects } from '../objects.js';
import { sessionFor, type Session } from '../session.js';
import { removePod } from './drain-evict.js';
import { setUnschedulable } from './cordon.js';
import { nodeInfo, nodeNameArg, nodeUnreachable, selectNodes } from './node-common.js';

interface DrainOptions {
  gracePeriod?: string;
  force?: boolean;
  ignoreDaemonsets?: boolean;
  timeout?: string;
  selector?: string;
  disableEviction?: boolean;
}

export interface DrainFlags {
  force: boolean;
  ignoreDaemonsets: boolean;
}

export interface DrainClassification {
  /** Pods drain deletes. */
  deletable: KubeObject[];
  /** DaemonSet-managed pods left in place (--ignore-daemonsets). */
  ignored: KubeObject[];
  /** `Warning:` lines' contents. */
  warnings: string[];
  /** Refusals; any one stops the drain of the node. */
  errors: string[];
}

const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
const UNMANAGED_FATAL = 'Pods that declare no controller (use --force to override)';
const UNMANAGED_WARNING = 'deleting Pods that declare no controller';
const POLL_MS = 500;

function ref(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

function finished(pod: KubeObject): boolean {
  const status = pod['status'];
  return isRecord(status) && (status['phase'] === 'Succeeded' || status['phase'] === 'Failed');
}

/** kubectl drain's pod filters (daemonSetFilter, unreplicatedFilter), without the API look-ups. */
export function classifyPods(pods: readonly KubeObject[], flags: DrainFlags): DrainClassification {
  const out: DrainClassification = { deletable: [], ignored: [], warnings: [], errors: [] };
  const fatal = new Map<string, string[]>();
  const warn = new Map<string, string[]>();
  const note = (m: Map<string, string[]>, msg: string, pod: KubeObject): void => {
    m.set(msg, [...(m.get(msg) ?? []), ref(pod)]);
  };
  for (const pod of pods) {
    const controller = pod.metadata.ownerReferences?.find((o) => o.controller === true);
    if (finished(pod)) {
      out.deletable.push(pod);
    } else if (controller?.kind === 'DaemonSet') {
      if (flags.ignoreDaemonsets) {
        out.ignored.push(pod);
        note(warn, DAEMONSET_WARNING, pod);
      } else note(fatal, DAEMONSET_FATAL, pod);
    } else if (!controller) {
      if (flags.force) {
        out.deletable.push(pod);
        note(warn, UNMANAGED_WARNING, pod);
      } else note(fatal, UNMANAGED_FATAL, pod);
    } else {
      out.deletable.push(pod);
    }
  }
  // In kubectl's filter order, whatever order the pods came in.
  for (const msg of [DAEMONSET_FATAL, UNMANAGED_FATAL]) {
    const refs = fatal.get(msg);
    if (refs) out.errors.push(`cannot delete ${msg}: ${refs.join(', ')}`);
  }
  for (const msg of [DAEMONSET_WARNING, UNMANAGED_WARNING]) {
    const refs = warn.get(msg);
    if (refs) out.warnings.push(`${msg}: ${refs.join(', ')}`);
  }
  return out;
}

/** --timeout: 0 (no limit), a number of seconds, or a duration such as 30s or 5m. */
export function parseDrainTimeout(text: string): number {
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  try {
    return parseDuration('--timeout', text);
  } catch (e: unknown) {
    throw new CliError(`invalid --timeout "${text}": ${errorMessage(e)}`);
  }
}

function parseGracePeriod(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new CliError(`invalid --grace-period "${text}": must be a whole number of seconds (-1 uses each pod's own)`);
  const n = Number(text);
  return n < 0 ? undefined : n;
}

function podInfo(): NonNullable<ReturnType<typeof kindByName>> {
  const info = kindByName('Pod');
  if (!info) throw new Error('the Pod kind is not served');
  return info;
}

function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

interface RemoveSettings {
  grace: number | undefined;
  timeoutMs: number;
  disableEviction: boolean;
}

/** Evicts (or deletes) the pods and waits; returns the errors that stopped it (empty = drained). */
async function evictAndWait(s: Session, client: ApiClient, nodeName: string, pods: KubeObject[], opts: RemoveSettings): Promise<string[]> {
  const info = podInfo();
  const { timeoutMs } = opts;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const verb = opts.disableEviction ? 'deleting' : 'evicting';
  const pending = new Map<string, KubeObject>();
  const refusals: string[] = [];
  for (const pod of pods) {
    s.out(`${verb} pod ${ref(pod)}\n`);
    for (;;) {
      const outcome = await removePod(client, info, pod, opts.grace, opts.disableEviction);
      if (outcome.kind === 'accepted') pending.set(ref(pod), pod);
      if (outcome.kind === 'gone') s.out(`pod/${pod.metadata.name ?? ''} deleted\n`);
      if (outcome.kind !== 'refused') break;
      const where = `pods/"${pod.metadata.name ?? ''}" -n "${pod.metadata.namespace ?? ''}"`;
      if (Date.now() + outcome.retryMs > deadline) {
        refusals.push(`error when evicting ${where}: global timeout reached: ${formatTimeout(timeoutMs)}: ${outcome.message}`);
        break;
      }
      s.err(`error when evicting ${where} (will retry after ${outcome.retryMs / 1000}s): ${outcome.message}\n`);
      await sleep(outcome.retryMs);
    }
  }
  if (refusals.length > 0) return refusals;
  for (;;) {
    const node = await getObject(client, nodeInfo(), undefined, nodeName);
    const unreachable = nodeUnreachable(node);
    for (const [key, pod] of pending) {
      const name = pod.metadata.name ?? '';
      let current: KubeObject | undefined;
      try {
        current = await getObject(client, info, pod.metadata.namespace, name);
      } catch (e: unknown) {
        if (!isNotFound(e)) throw e;
      }
      if (!current || current.metadata.uid !== pod.metadata.uid) {
        s.out(`pod/${name} deleted\n`);
        pending.delete(key);
      } else if (unreachable && current.metadata.deletionTimestamp) {
        s.out(`pod/${name} marked for deletion (node/${nodeName} is unreachable: its agent stops the pod when it reconnects)\n`);
        pending.delete(key);
      }
    }
    if (pending.size === 0) return [];
    const left = deadline - Date.now();
    if (left <= 0) {
      return [...pending.values()].map(
        (p) => `error when waiting for pod "${p.metadata.name ?? ''}" in namespace "${p.metadata.namespace ?? ''}" to terminate: global timeout reached: ${formatTimeout(timeoutMs)}`,
      );
    }
    await sleep(Math.min(POLL_MS, left));
  }
}

async function drainOne(s: Session, client: ApiClient, node: KubeObject, flags: DrainFlags, opts: RemoveSettings): Promise<string[]> {
  const name = node.metadata.name ?? '';
  s.out(`${await setUnschedulable(s, name, true)}\n`);
  const pods = (await listObjects(client, podInfo(), undefined, { fieldSelector: `spec.nodeName=${name}` })).items;
  const c = classifyPods(pods, flags);
  if (c.errors.length > 0) return c.errors;
  if (c.warnings.length > 0) s.err(`Warning: ${c.warnings.join('; ')}\n`);
  const errors = await evictAndWait(s, client, name, c.deletable, opts);
  if (errors.length === 0) s.out(`node/${name} drained\n`);
  return errors;
}

async function runDrain(s: Session, args: string[], opts: DrainOptions): Promise<void> {
  const grace = parseGracePeriod(opts.gracePeriod);
  const timeoutMs = opts.timeout === undefined ? 0 : parseDrainTimeout(opts.timeout);
  const flags: DrainFlags = { force: opts.force === true, ignoreDaemonsets: opts.ignoreDaemonsets === true };
  const client = await s.client();
  const nodes = await selectNodes(client, args.map(nodeNameArg), opts.selector ? { selector: opts.selector } : {});
  const failed: { name: string; errors: string[] }[] = [];
  for (const node of nodes) {
    const errors = await drainOne(s, client, node, flags, { grace, timeoutMs, disableEviction: opts.disableEviction === true });
    if (errors.length === 0) continue;
    const name = node.metadata.name ?? '';
    const joined = errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
    s.err(`error: unable to drain node "${name}" due to error: ${joined}, continuing command...\n`);
    failed.push({ name, errors });
  }
  if (failed.length === 0) return;
  s.err(`There are pending nodes to be drained:\n${failed.map((f) => ` ${f.name}\n`).join('')}`);
  for (const f of failed) s.err(f.errors.map((e) => `${e}\n`).join(''));
  throw new ReportedFailure();
}

export function registerDrain(program: Command, io: CliIO): void {
  program
    .command('drain')
    .description('Cordon nodes and evict their pods (respecting PodDisruptionBudgets), waiting until they are gone')
    .argument('[nodes...]', 'node names (or node/NAME)')
    .option('--grace-period <seconds>', "seconds each pod is given to terminate (-1: the pod's own terminationGracePeriodSeconds)")
    .option('--force', 'also delete pods that declare no controller')
    .option('--ignore-daemonsets', 'leave DaemonSet-managed pods in place instead of refusing')
    .option('--timeout <duration>', 'give up waiting after this long, e.g. 30s or 5m (0: wait as long as it takes)')
    .option('-l, --selector <selector>', 'drain the nodes matching this label selector')
    .option('--disable-eviction', 'delete pods instead of evicting them, bypassing PodDisruptionBudgets')
    .action(async (args: string[], opts: DrainOptions, cmd: Command) => {
      await runDrain(sessionFor(cmd, io), args, opts);
    });
}
