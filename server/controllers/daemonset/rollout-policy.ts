/**
 * Flotilla's fleet-rollout settings, as annotations on the DaemonSet, so a plain
 * `kubectl apply` (strict field validation) accepts them and a manifest without them is a plain
 * Kubernetes DaemonSet. All optional:
 *
 *   flotilla.io/canary-size                  count or percent of desired nodes updated first ("1", "5%")
 *   flotilla.io/canary-selector              or: the canary is the nodes matching this label selector ("ring=canary")
 *   flotilla.io/batch-size                   after the canary, the rest in stages of this many ("10", "25%"); default one stage
 *   flotilla.io/promotion                    "auto" (default) or "manual": wait for `flotctl rollout promote` between stages
 *   flotilla.io/promoted-stage               written by `rollout promote`: "<revision hash>:<stage index>" released by hand
 *   flotilla.io/rollout-paused               "true": no further node is touched (`rollout pause` / `resume`)
 *   flotilla.io/failure-budget               failed devices tolerated: a count ("2") or a percent of those updated so far ("10%"); default 10%
 *   flotilla.io/failure-budget-min-devices   a percent budget is taken of at least this many devices; default 10
 *   flotilla.io/progress-deadline            an updated pod not available after this long has failed ("10m", "90s"); default 10m
 *
 * `parseRolloutPolicy` reports each bad value with the annotation's field path.
 */
import type { FieldError } from '../../../shared/api/errors.js';
import { parseIntOrPercent, type IntOrPercent } from '../../../shared/api/int-or-percent.js';
import { PROMOTED_STAGE_ANNOTATION, ROLLOUT_PAUSED_ANNOTATION } from '../../../shared/api/rollout-status.js';
import { parseLabelSelector, type LabelSelector } from '../../../shared/api/label-selector.js';
import { invalid, key, notSupported } from '../../../shared/api/validation/field-errors.js';
import { parseDuration } from '../../../shared/util/duration.js';
import { errorMessage } from '../../../shared/util/guards.js';

export const ANNOTATION_PREFIX = 'flotilla.io/';
export const CANARY_SIZE = 'flotilla.io/canary-size';
export const CANARY_SELECTOR = 'flotilla.io/canary-selector';
export const BATCH_SIZE = 'flotilla.io/batch-size';
export const PROMOTION = 'flotilla.io/promotion';
export const PROMOTED_STAGE = PROMOTED_STAGE_ANNOTATION;
export const ROLLOUT_PAUSED = ROLLOUT_PAUSED_ANNOTATION;
export const FAILURE_BUDGET = 'flotilla.io/failure-budget';
export const FAILURE_BUDGET_MIN_DEVICES = 'flotilla.io/failure-budget-min-devices';
export const PROGRESS_DEADLINE = 'flotilla.io/progress-deadline';

export const ROLLOUT_ANNOTATIONS: readonly string[] = [
  CANARY_SIZE, CANARY_SELECTOR, BATCH_SIZE, PROMOTION, PROMOTED_STAGE, ROLLOUT_PAUSED,
  FAILURE_BUDGET, FAILURE_BUDGET_MIN_DEVICES, PROGRESS_DEADLINE,
];

export type CanarySpec = { size: IntOrPercent } | { selector: LabelSelector; text: string };

export interface RolloutPolicy {
  canary?: CanarySpec;
  batchSize?: IntOrPercent;
  promotion: 'auto' | 'manual';
  /** Stages released by hand, for the revision with this hash. */
  promoted?: { hash: string; stage: number };
  paused: boolean;
  failureBudget: IntOrPercent;
  failureBudgetMinDevices: number;
  progressDeadlineMs: number;
}

export const DEFAULT_ROLLOUT_POLICY: RolloutPolicy = {
  promotion: 'auto',
  paused: false,
  failureBudget: '10%',
  failureBudgetMinDevices: 10,
  progressDeadlineMs: 10 * 60_000,
};

const field = (name: string): string => key('metadata.annotations', name);

export type PolicyResult = { policy: RolloutPolicy; errors: [] } | { policy?: undefined; errors: FieldError[] };

/** Reads the rollout annotations; any bad one → every error, naming its annotation. Unknown `flotilla.io/` keys are left alone. */
export function parseRolloutPolicy(annotations: Readonly<Record<string, string>>): PolicyResult {
  const policy: RolloutPolicy = { ...DEFAULT_ROLLOUT_POLICY };
  const errors: FieldError[] = [];
  const read = (name: string, parse: (v: string) => void): void => {
    const v = annotations[name];
    if (v === undefined) return;
    try {
      parse(v.trim());
    } catch (e: unknown) {
      const msg = errorMessage(e);
      errors.push(invalid(field(name), v, msg.startsWith(`${name}: `) ? msg.slice(name.length + 2) : msg));
    }
  };
  const positive = (name: string, v: string): IntOrPercent => {
    const n = parseIntOrPercent(name, v);
    if (n === 0 || n === '0%') throw new Error(`${name}: must be greater than 0`);
    return n;
  };
  const count = (name: string, v: string): number => {
    if (!/^[0-9]+$/.test(v)) throw new Error(`${name}: expected a non-negative integer`);
    return Number(v);
  };

  read(CANARY_SIZE, (v) => (policy.canary = { size: positive(CANARY_SIZE, v) }));
  read(CANARY_SELECTOR, (v) => {
    if (annotations[CANARY_SIZE] !== undefined) throw new Error(`${CANARY_SELECTOR}: give either ${CANARY_SIZE} or ${CANARY_SELECTOR}, not both`);
    if (v === '') throw new Error(`${CANARY_SELECTOR}: must not be empty`);
    policy.canary = { selector: parseLabelSelector(v), text: v };
  });
  read(BATCH_SIZE, (v) => (policy.batchSize = positive(BATCH_SIZE, v)));
  const promotion = annotations[PROMOTION];
  if (promotion !== undefined) {
    if (promotion === 'auto' || promotion === 'manual') policy.promotion = promotion;
    else errors.push(notSupported(field(PROMOTION), promotion, ['auto', 'manual']));
  }
  read(PROMOTED_STAGE, (v) => {
    const m = /^([a-z0-9]+):([0-9]+)$/.exec(v);
    if (!m) throw new Error(`${PROMOTED_STAGE}: expected "<revision hash>:<stage index>"`);
    policy.promoted = { hash: m[1] ?? '', stage: Number(m[2]) };
  });
  const paused = annotations[ROLLOUT_PAUSED];
  if (paused !== undefined) {
    if (paused === 'true' || paused === 'false') policy.paused = paused === 'true';
    else errors.push(notSupported(field(ROLLOUT_PAUSED), paused, ['true', 'false']));
  }
  read(FAILURE_BUDGET, (v) => (policy.failureBudget = parseIntOrPercent(FAILURE_BUDGET, v)));
  read(FAILURE_BUDGET_MIN_DEVICES, (v) => (policy.failureBudgetMinDevices = count(FAILURE_BUDGET_MIN_DEVICES, v)));
  read(PROGRESS_DEADLINE, (v) => {
    const ms = parseDuration(PROGRESS_DEADLINE, v);
    if (ms <= 0) throw new Error(`${PROGRESS_DEADLINE}: must be longer than 0s`);
    policy.progressDeadlineMs = ms;
  });
  return errors.length > 0 ? { errors } : { policy, errors: [] };
}
