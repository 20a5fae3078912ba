/**
 * Pure decisions about a device's pod status reports: the shape a reported PodStatus must have
 * (checked at this boundary, rebuilt from scratch so unknown fields never reach the store), the
 * NodeRestriction rules (a node speaks only about pods bound to it), and how a report merges
 * into the stored status. Times that mean "when did this change" come from the hub's clock, not
 * the device's (a Pi has no RTC); container state times are Docker's and pass through.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { fromStore, type PodStatus } from '../../shared/api/types/index.js';
import { jsonEqual } from '../../shared/api/validation/equal.js';
import { isDNS1123Label } from '../../shared/api/validation/names.js';
import { POD_PHASES } from '../../shared/api/validation/pod.js';
import { checkRecord, fail, rfc3339Problems, type Fields, type StringRules } from '../../shared/protocol/fields.js';
import { ProtocolError, type PodStatusReport } from '../../shared/protocol/index.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';

/** The PodStatus fields the device owns: a report replaces all of them; the rest (qosClass, …) stays. */
export const DEVICE_STATUS_FIELDS = [
  'phase',
  'conditions',
  'containerStatuses',
  'initContainerStatuses',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'reason',
  'message',
] as const;

const MAX_CONDITIONS = 32;
const MAX_CONTAINERS = 64;
const MAX_IPS = 8;
const TERMINAL_PHASES: readonly string[] = ['Succeeded', 'Failed'];

const TIMESTAMP: StringRules = { check: rfc3339Problems };
const SHORT: StringRules = { max: 1024 };
const REASON: StringRules = { empty: true, max: 1024 };
const MESSAGE: StringRules = { empty: true, max: 32 * 1024 };
/** Empty when the device does not know it yet (Kubernetes allows that too). */
const IP: StringRules = { empty: true, max: 64 };
const CONTAINER_NAME: StringRules = { check: isDNS1123Label };
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** `null` counts as absent, as Kubernetes' own encoders write unset times as null. */
function present(f: Fields, k: string): boolean {
  return f.obj[k] !== undefined && f.obj[k] !== null;
}

function copyString(from: Fields, to: JsonObject, k: string, rules: StringRules): void {
  if (present(from, k)) to[k] = from.string(k, rules);
}

function readIPs(f: Fields, k: string): { ip: string }[] {
  return f.array(k, MAX_IPS).map(({ item, path }) => ({ ip: checkRecord(item, path).string('ip', IP) }));
}

/** ContainerState: at most one of waiting, running, terminated ({} is allowed: waiting). */
function readContainerState(f: Fields, k: string): JsonObject {
  const s = f.record(k);
  const out: JsonObject = {};
  const kinds = (['waiting', 'running', 'terminated'] as const).filter((x) => present(s, x));
  if (kinds.length > 1) fail(s.path, `must have at most one of waiting, running, terminated; got ${kinds.join(', ')}`);
  if (present(s, 'waiting')) {
    const w = s.record('waiting');
    const waiting: JsonObject = {};
    copyString(w, waiting, 'reason', REASON);
    copyString(w, waiting, 'message', MESSAGE);
    out['waiting'] = waiting;
  }
  if (present(s, 'running')) {
    const r = s.record('running');
    const running: JsonObject = {};
    copyString(r, running, 'startedAt', TIMESTAMP);
    out['running'] = running;
  }
  if (present(s, 'terminated')) {
    const t = s.record('terminated');
    const terminated: JsonObject = { exitCode: t.int('exitCode', INT32_MIN, INT32_MAX) };
    if (present(t, 'signal')) terminated['signal'] = t.int('signal', 0, INT32_MAX);
    copyString(t, terminated, 'reason', REASON);
    copyString(t, terminated, 'message', MESSAGE);
    copyString(t, terminated, 'startedAt', TIMESTAMP);
    copyString(t, terminated, 'finishedAt', TIMESTAMP);
    copyString(t, terminated, 'containerID', SHORT);
    out['terminated'] = terminated;
  }
  return out;
}

function readContainerStatus(item: unknown, path: string): JsonObject {
  const c = checkRecord(item, path);
  const out: JsonObject = {
    name: c.string('name', CONTAINER_NAME),
    ready: c.bool('ready'),
    restartCount: c.int('restartCount', 0, INT32_MAX),
    state: readContainerState(c, 'state'),
  };
  if (present(c, 'lastState')) out['lastState'] = readContainerState(c, 'lastState');
  out['image'] = c.string('image', SHORT);
  // Empty while the image is still being pulled, as the kubelet reports it.
  out['imageID'] = c.string('imageID', { empty: true, max: 1024 });
  copyString(c, out, 'containerID', SHORT);
  if (present(c, 'started')) out['started'] = c.bool('started');
  return out;
}

function readContainerStatuses(f: Fields, k: string): JsonObject[] {
  const list = f.array(k, MAX_CONTAINERS).map(({ item, path }) => readContainerStatus(item, path));
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const name = String(c['name']);
    if (seen.has(name)) fail(`${f.at(k)}[${i}].name`, `duplicate container name "${name}"`);
    seen.add(name);
  });
  return list;
}

function readCondition(item: unknown, path: string): JsonObject {
  const c = checkRecord(item, path);
  const out: JsonObject = {
    type: c.string('type', { max: 316 }),
    status: c.oneOf('status', ['True', 'False', 'Unknown'] as const),
  };
  copyString(c, out, 'reason', REASON);
  copyString(c, out, 'message', MESSAGE);
  // lastTransitionTime is the hub's (mergePodStatus); lastProbeTime is not kept.
  if (present(c, 'lastTransitionTime')) c.string('lastTransitionTime', TIMESTAMP);
  if (present(c, 'lastProbeTime')) c.string('lastProbeTime', TIMESTAMP);
  return out;
}

/**
 * The device-owned part of a reported PodStatus, checked and rebuilt (unknown fields dropped).
 * Throws a ProtocolError naming the first bad field (`status.containerStatuses[0].ready`).
 */
export function readReportedPodStatus(raw: unknown, path = 'status'): JsonObject {
  const f = checkRecord(raw, path);
  const out: JsonObject = { phase: f.oneOf('phase', POD_PHASES) };
  if (present(f, 'conditions')) {
    const conditions = f.array('conditions', MAX_CONDITIONS).map(({ item, path: p }) => readCondition(item, p));
    const types = new Set<string>();
    conditions.forEach((c, i) => {
      const type = String(c['type']);
      if (types.has(type)) fail(`${f.at('conditions')}[${i}].type`, `duplicate condition type "${type}"`);
      types.add(type);
    });
    out['conditions'] = conditions;
  }
  for (const k of ['containerStatuses', 'initContainerStatuses']) {
    if (present(f, k)) out[k] = readContainerStatuses(f, k);
  }
  copyString(f, out, 'hostIP', IP);
  copyString(f, out, 'podIP', IP);
  for (const k of ['hostIPs', 'podIPs']) {
    if (present(f, k)) out[k] = readIPs(f, k);
  }
  copyString(f, out, 'startTime', TIMESTAMP);
  copyString(f, out, 'reason', REASON);
  copyString(f, out, 'message', MESSAGE);
  return out;
}

export type StatusCheck = { ok: true; status: JsonObject } | { ok: false; field: string; message: string };

/** readReportedPodStatus as a value, for callers (and tables) that branch on the outcome. */
export function checkReportedPodStatus(raw: unknown): StatusCheck {
  try {
    return { ok: true, status: readReportedPodStatus(raw) };
  } catch (e: unknown) {
    if (e instanceof ProtocolError) return { ok: false, field: e.field, message: e.message };
    throw e;
  }
}

/**
 * The stored status after a (checked) report at hub time `now`: device-owned fields replaced,
 * the others kept; a condition's lastTransitionTime moves only when its status changes;
 * startTime is set once, when the hub first hears one.
 */
export function mergePodStatus(current: PodStatus | undefined, reported: JsonObject, now: string): JsonObject {
  const next: JsonObject = { ...(current ?? {}) };
  for (const k of DEVICE_STATUS_FIELDS) delete next[k];
  Object.assign(next, reported);
  if (Array.isArray(reported['conditions'])) {
    const before = new Map((current?.conditions ?? []).map((c) => [c.type, c]));
    next['conditions'] = reported['conditions'].map((c: unknown) => {
      if (!isRecord(c)) return c;
      const prev = before.get(String(c['type']));
      const kept = prev && prev.status === c['status'] && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : now;
      return { ...c, lastTransitionTime: kept };
    });
  }
  const started = current?.startTime;
  if (started !== undefined) next['startTime'] = started;
  else if (reported['startTime'] !== undefined) next['startTime'] = now;
  return next;
}

/** What to do with one pod's report. */
export type PodReportDecision =
  /** Write this status (the pod's resourceVersion is the precondition). */
  | { action: 'write'; status: JsonObject }
  /** The report matches what is stored: no write. */
  | { action: 'unchanged' }
  /** The device finished a graceful deletion: DELETE with grace 0, preconditioned on this uid. */
  | { action: 'delete'; uid: string }
  /** Nothing to do and nothing wrong (the pod is already gone). */
  | { action: 'ignore'; why: string }
  /** Refused: the node may not say this (NodeRestriction), or the status is malformed. */
  | { action: 'reject'; why: string };

function podRef(r: PodStatusReport): string {
  return `${r.namespace}/${r.name}`;
}

/**
 * Decides one pod report from `node` against the stored pod (undefined: not found), at hub
 * time `now`. A node may report only on pods bound to it, by their current uid.
 */
export function decidePodReport(node: string, report: PodStatusReport, stored: KubeObject | undefined, now: string): PodReportDecision {
  const ref = podRef(report);
  const pod = stored && fromStore('Pod', stored);
  if (!pod) {
    return report.deleted ? { action: 'ignore', why: `pod ${ref} is already gone` } : { action: 'reject', why: `pod ${ref} does not exist` };
  }
  const uid = pod.metadata.uid ?? '';
  if (uid !== report.uid) {
    if (report.deleted) return { action: 'ignore', why: `pod ${ref} with uid ${report.uid} is already gone (the stored one is another pod of that name)` };
    return { action: 'reject', why: `pod ${ref} has uid ${uid}, not ${report.uid}: the report is about another pod of that name` };
  }
  const boundTo = pod.spec.nodeName ?? '';
  if (boundTo !== node) {
    const where = boundTo === '' ? 'is not bound to any node' : `is bound to node ${boundTo}`;
    return { action: 'reject', why: `pod ${ref} ${where}, not to ${node}` };
  }
  if (report.deleted) {
    if (!pod.metadata.deletionTimestamp) return { action: 'reject', why: `pod ${ref} was reported deleted, but it is not being deleted` };
    return { action: 'delete', uid };
  }
  const checked = checkReportedPodStatus(report.status);
  if (!checked.ok) return { action: 'reject', why: `malformed status of pod ${ref}: ${checked.message}` };
  const current = pod.status;
  const from = current?.phase;
  const to = checked.status['phase'];
  if (from !== undefined && TERMINAL_PHASES.includes(from) && !TERMINAL_PHASES.includes(String(to))) {
    return { action: 'reject', why: `pod ${ref} is ${from}: its phase may not go back to ${String(to)}` };
  }
  const next = mergePodStatus(current, checked.status, now);
  return jsonEqual(current ?? {}, next) ? { action: 'unchanged' } : { action: 'write', status: next };
}

