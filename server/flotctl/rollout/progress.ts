/**
 * How `flotctl rollout status` shows a fleet rollout: on a terminal, a bar per stage redrawn in
 * place (█ updated, ▒ starting, x failed, · waiting for an offline device, space not yet
 * touched); otherwise one plain line each time the progress changes.
 */
import { summarize, type FleetView, type StageProgress } from '../../../shared/api/rollout-status.js';

const BAR_WIDTH = 30;

/** Splits `width` cells between the counts in proportion, each non-zero count getting at least one. */
function cells(counts: readonly number[], total: number, width: number): number[] {
  if (total === 0) return counts.map(() => 0);
  const out = counts.map((c) => (c === 0 ? 0 : Math.max(1, Math.floor((c * width) / total))));
  let over = out.reduce((a, b) => a + b, 0) - width;
  for (let i = out.length - 1; over > 0 && i >= 0; i--) {
    const take = Math.min(over, Math.max(0, (out[i] ?? 0) - 1));
    out[i] = (out[i] ?? 0) - take;
    over -= take;
  }
  return out;
}

function stageCounts(s: StageProgress): string {
  const parts = [`${s.updated}/${s.nodes} updated`];
  if (s.updating > 0) parts.push(`${s.updating} starting`);
  if (s.waitingOffline > 0) parts.push(`${s.waitingOffline} waiting offline`);
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  if (!s.released) parts.push('not released');
  return parts.join(', ');
}

export function stageBar(s: StageProgress, nameWidth: number): string {
  const [u, st, f, w] = cells([s.updated, s.updating, s.failed, s.waitingOffline], s.nodes, BAR_WIDTH);
  const filled = '█'.repeat(u ?? 0) + '▒'.repeat(st ?? 0) + 'x'.repeat(f ?? 0) + '·'.repeat(w ?? 0);
  return `${s.name.padEnd(nameWidth)} [${filled.padEnd(BAR_WIDTH)}] ${stageCounts(s)}`;
}

/** The headline: what the rollout is doing now. */
export function headline(name: string, view: FleetView): string {
  const summary = summarize(view);
  if (view.halted) return `daemon set "${name}" rollout of revision ${view.revision} halted: ${view.halted.failed.length} of ${view.halted.updatedSoFar} updated devices failed (${view.halted.allowed} allowed)`;
  if (view.complete) return `daemon set "${name}" successfully rolled out: ${summary}`;
  if (view.paused) return `daemon set "${name}" rollout of revision ${view.revision} is paused: ${summary}`;
  if (view.awaitingPromotion) return `daemon set "${name}": stage ${view.awaitingPromotion} waits for \`flotctl rollout promote ds/${name}\`: ${summary}`;
  return `Waiting for daemon set "${name}" rollout of revision ${view.revision}: ${summary}`;
}

/** The block a terminal shows: the headline, a bar per stage, the failed devices. */
export function progressBlock(name: string, view: FleetView): string[] {
  const width = Math.max(0, ...view.stages.map((s) => s.name.length));
  const lines = [headline(name, view), ...view.stages.map((s) => `  ${stageBar(s, width)}`)];
  for (const f of view.halted?.failed ?? []) lines.push(`  failed: ${f.node} (${f.pod}): ${f.reasons.join(', ')}`);
  return lines;
}

/** Draws blocks on a terminal, each over the last. */
export class TerminalProgress {
  private drawn = 0;

  constructor(private readonly write: (s: string) => void) {}

  draw(lines: readonly string[]): void {
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    this.drawn = lines.length;
  }
}
