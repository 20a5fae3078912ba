/**
 * `flotctl rollout status ds/NAME`: waits until the current revision runs on every reachable
 * device (success, saying how many are still offline), or the rollout halts on its failure
 * budget (failure, naming the failing devices), or the timeout passes. A DaemonSet the hub has
 * no fleet view for is judged by its status fields, as kubectl does.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import type { FleetView } from '../../../shared/api/rollout-status.js';
import { isRecord } from '../../../shared/util/guards.js';
import { CliError } from '../errors.js';
import { fleetViewOf, getDaemonSet, type RolloutTarget } from './daemonset.js';
import { headline, progressBlock, TerminalProgress } from './progress.js';

export interface StatusVerdict {
  done: boolean;
  /** Set when the rollout cannot finish by itself (halted). */
  failure?: string;
  lines: string[];
}

const num = (o: Record<string, unknown>, k: string): number => (typeof o[k] === 'number' ? o[k] : 0);

/** kubectl's DaemonSetStatusViewer, for a DaemonSet without a fleet view. */
function kubectlVerdict(ds: KubeObject, name: string): StatusVerdict {
  const st = isRecord(ds['status']) ? ds['status'] : {};
  const [desired, updated, available] = [num(st, 'desiredNumberScheduled'), num(st, 'updatedNumberScheduled'), num(st, 'numberAvailable')];
  if (updated < desired) return { done: false, lines: [`Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`] };
  if (available < desired) return { done: false, lines: [`Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`] };
  return { done: true, lines: [`daemon set "${name}" successfully rolled out`] };
}

export function verdict(ds: KubeObject, name: string): StatusVerdict {
  const generation = ds.metadata.generation ?? 0;
  const st = isRecord(ds['status']) ? ds['status'] : {};
  const observed = typeof st['observedGeneration'] === 'number' ? st['observedGeneration'] : 0;
  const view: FleetView | undefined = fleetViewOf(ds);
  if (observed < generation || (view && view.generation !== undefined && view.generation < generation)) {
    return { done: false, lines: ['Waiting for daemon set spec update to be observed...'] };
  }
  if (!view) return kubectlVerdict(ds, name);
  const lines = progressBlock(name, view);
  if (view.halted) return { done: false, failure: headline(name, view), lines };
  return { done: view.complete, lines };
}

export interface WatchOptions {
  watch: boolean;
  timeoutMs: number;
  intervalMs: number;
  tty: boolean;
  write: (s: string) => void;
  now: () => number;
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

export async function watchStatus(t: RolloutTarget, o: WatchOptions): Promise<void> {
  const deadline = o.timeoutMs > 0 ? o.now() + o.timeoutMs : Infinity;
  const terminal = o.tty ? new TerminalProgress(o.write) : undefined;
  let last = '';
  for (;;) {
    const v = verdict(await getDaemonSet(t), t.name);
    const text = v.lines.join('\n');
    if (terminal) terminal.draw(v.lines);
    else if (text !== last) o.write(`${text}\n`);
    last = text;
    if (v.failure) throw new CliError(v.failure);
    if (v.done || !o.watch) return;
    if (o.signal?.aborted) return;
    if (o.now() >= deadline) throw new CliError('timed out waiting for the condition');
    await sleep(o.intervalMs, o.signal);
  }
}
