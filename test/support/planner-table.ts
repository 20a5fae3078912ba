// The reconcile planner's table harness: builders for desired pods, observed containers and memory, and the row runner.
import assert from 'node:assert/strict';
import type { ObservedContainer } from '../../agent/engine/types.js';
import type { ProbeState } from '../../agent/probes/types.js';
import { buildDesired, type BuildContext, type DesiredPods } from '../../agent/reconcile/desired.js';
import { eventsOf } from '../../agent/pods/event-policy.js';
import { PlannerMemory } from '../../agent/reconcile/memory.js';
import { plan } from '../../agent/reconcile/planner.js';
import type { Plan, RestartIntent, Step } from '../../agent/reconcile/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { PI_BUILD_CONTEXT } from './fixtures.js';

export const T0 = Date.parse('2026-01-01T12:00:00Z');
export const NOW = new Date(T0);
export const s = (seconds: number): number => T0 + seconds * 1000;
export const iso = (ms: number): string => new Date(ms).toISOString();

export const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';
export const LATEST = '127.0.0.1:5000/flotilla/busybox:latest';
export const PAUSE = 'registry.k8s.io/pause:3.10';

export const CTX: BuildContext = PI_BUILD_CONTEXT;

export interface PodOpts {
  name?: string;
  uid?: string;
  hostNetwork?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  init?: JsonObject[];
  containers?: JsonObject[];
  volumes?: JsonObject[];
  deletion?: { grace: number };
  grace?: number;
}

export function ctr(name: string, extra: JsonObject = {}): JsonObject {
  return { name, image: IMAGE, imagePullPolicy: 'IfNotPresent', ...extra };
}

export function pod(o: PodOpts = {}): KubeObject {
  const name = o.name ?? 'web';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: o.uid ?? `uid-${name}`,
      ...(o.deletion ? { deletionTimestamp: '2026-01-01T11:59:00Z', deletionGracePeriodSeconds: o.deletion.grace } : {}),
    },
    spec: {
      nodeName: 'pi',
      restartPolicy: o.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: o.grace ?? 30,
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      ...(o.init ? { initContainers: o.init } : {}),
      containers: o.containers ?? [ctr('app')],
      ...(o.volumes ? { volumes: o.volumes } : {}),
    },
  };
}

export interface InstOpts {
  state?: ObservedContainer['state'];
  exitCode?: number;
  /** Seconds relative to NOW. */
  finished?: number;
  started?: number;
  created?: number;
  hash?: string;
  oomKilled?: boolean;
  error?: string;
  pod?: number;
}

/** An observed container of desired pod `o.pod` (0): id `container.attempt`. */
export function inst(d: DesiredPods, container: string, attempt: number, o: InstOpts = {}): ObservedContainer {
  const p = d.pods[o.pod ?? 0];
  assert.ok(p, 'no such desired pod');
  const role = container === 'POD' ? 'sandbox' : p.init.some((c) => c.name === container) ? 'init' : 'app';
  const hash = o.hash ?? (role === 'sandbox' ? p.sandbox?.specHash : [...p.init, ...p.app].find((c) => c.name === container)?.specHash) ?? 'gone';
  const state = o.state ?? 'running';
  const c: ObservedContainer = {
    id: `${container}.${attempt}`,
    name: `flotilla_${container}_${p.model.ref.name}_default_${p.model.ref.uid}_${attempt}`,
    podUid: p.model.ref.uid,
    podNamespace: 'default',
    podName: p.model.ref.name,
    container,
    role,
    specHash: hash,
    attempt,
    image: IMAGE,
    imageId: 'sha256:abc',
    state,
    createdAt: iso(s(o.created ?? (role === 'sandbox' ? -7200 : -3600 + attempt * 10))),
  };
  if (o.started !== undefined || state !== 'created') c.startedAt = iso(s(o.started ?? -3000 + attempt * 10));
  if (state === 'exited' || state === 'dead') {
    c.exitCode = o.exitCode ?? 0;
    c.finishedAt = iso(s(o.finished ?? -1));
  }
  if (o.exitCode !== undefined) c.exitCode = o.exitCode;
  if (o.oomKilled) c.oomKilled = true;
  if (o.error !== undefined) c.error = o.error;
  return c;
}

export const sandbox = (d: DesiredPods, o: InstOpts = {}): ObservedContainer => inst(d, 'POD', 0, o);

// ---- memory as earlier outcomes leave it (PlannerMemory.apply) --------------------------------

export const WEB = { uid: 'uid-web', namespace: 'default', name: 'web' };
export const SPEC = { name: 'n', labels: {}, image: IMAGE, env: [], mounts: [], ports: [], networkMode: 'host', privileged: false };
/** Jitter pinned at its top: a first step failure retries 2 s later. */
export const TOP = (): number => 1;

/** Container `id` was stopped to be restarted. */
export function stoppedFor(m: PlannerMemory, id: string, restart: RestartIntent): void {
  m.apply({ kind: 'stop', pod: WEB, chain: 'c:app', container: 'app', id, graceSeconds: 30, reason: 'liveness', message: '', restart }, { status: 'ok' }, s(-1));
}

/** Container app of the first pod was (re)started at `at` with crash backoff `delayMs`. */
export function startedWithBackoff(m: PlannerMemory, d: DesiredPods, delayMs: number, at: number): void {
  const backoff = { specHash: d.pods[0]?.app[0]?.specHash ?? '', delayMs };
  m.apply({ kind: 'run', pod: WEB, chain: 'c:app', container: 'app', role: 'app', attempt: 0, spec: SPEC, backoff, warnings: [] }, { status: 'ok' }, at);
}

/** The pull of IMAGE failed at each of `times`. */
export function pullFailed(m: PlannerMemory, ...times: number[]): void {
  for (const at of times) m.apply({ kind: 'pull', pod: WEB, chain: 'c:app', container: 'app', image: IMAGE, present: false }, { status: 'failed', error: 'manifest unknown' }, at);
}

export interface Want {
  steps: string[];
  waiting?: Record<string, string>;
  notices?: string[];
  wakeIn?: number;
  check?: (p: Plan, d: DesiredPods) => void;
}

export interface Row {
  name: string;
  pods: KubeObject[];
  configMaps?: KubeObject[];
  ctx?: Partial<BuildContext>;
  observed?: (d: DesiredPods) => ObservedContainer[];
  /** Memory as the outcomes of earlier steps left it. */
  memory?: (m: PlannerMemory, d: DesiredPods) => void;
  /** Images present (default: the test image and pause). */
  images?: string[];
  probes?: Record<string, ProbeState>;
  /** Volumes of every pod already set up (default true). */
  volumesSynced?: boolean;
  podDirs?: string[];
  /** The node's pod infrastructure blocks sandboxes with this message. */
  sandboxBlocked?: string;
  want: Want;
}

export function show(st: Step): string {
  switch (st.kind) {
    case 'syncVolumes':
      return 'volumes';
    case 'pull':
      return `pull ${st.image === IMAGE ? 'img' : st.image}`;
    case 'run':
      return `run ${st.container}#${st.attempt}`;
    case 'start':
      return `start ${st.id}`;
    case 'stop':
      return `stop ${st.id}:${st.reason}${st.restart ? `+${st.restart}` : ''}`;
    case 'remove':
      return `remove ${st.id}`;
    case 'removePodDir':
      return 'rmdir';
    case 'finalize':
      return 'finalize';
  }
}

export const HEALTHY: ProbeState = { started: true, ready: true, mustRestart: false };

export function buildRow(row: Row): { d: DesiredPods; observed: ObservedContainer[]; memory: PlannerMemory; result: Plan } {
  const d = buildDesired(
    { node: 'pi', seq: 1, issuedAt: '', pods: row.pods, configMaps: row.configMaps ?? [], secrets: [] },
    { ...CTX, ...row.ctx },
  );
  const observed = row.observed?.(d) ?? [];
  const memory = new PlannerMemory();
  if (row.volumesSynced !== false) for (const p of d.pods) memory.apply({ kind: 'syncVolumes', pod: p.model.ref, chain: 'pod', hash: p.volumes.hash }, { status: 'ok' }, s(-3600));
  row.memory?.(memory, d);
  const probes = new Map<string, ProbeState>(Object.entries(row.probes ?? {}));
  for (const c of observed) if (c.role === 'app' && !probes.has(`${c.podUid}/${c.container}`)) probes.set(`${c.podUid}/${c.container}`, HEALTHY);
  const world = { containers: observed, images: new Set(row.images ?? [IMAGE, PAUSE]), probes, podDirs: new Set(row.podDirs ?? []) };
  const result = plan(d, row.sandboxBlocked !== undefined ? { ...world, sandboxBlocked: row.sandboxBlocked } : world, memory, NOW);
  return { d, observed, memory, result };
}


/** One test per row: the plan's steps, waiting reasons, notices and wake-up are those the row wants. */
export function itPlansEachRow(rows: Row[]): void {
  for (const row of rows) {
    it(row.name, () => {
      const { d, observed, result } = buildRow(row);
      assert.deepEqual(result.steps.map(show), row.want.steps);
      // Only observed (managed) containers can appear in a step.
      const ids = new Set(observed.map((c) => c.id));
      for (const st of result.steps) if ('id' in st) assert.ok(ids.has(st.id), `step on unobserved container ${st.id}`);
      for (const [name, reason] of Object.entries(row.want.waiting ?? {})) {
        assert.equal([...result.views.values()][0]?.waiting.get(name)?.reason, reason, `waiting reason of ${name}`);
      }
      if (row.want.notices) {
        const reasons = result.conditions.flatMap((c) => eventsOf(c.condition).map((e) => e.reason));
        assert.deepEqual(reasons.filter((r) => row.want.notices?.includes(r)), row.want.notices);
      }
      if (row.want.wakeIn !== undefined) assert.equal(result.wakeAt, s(row.want.wakeIn));
      row.want.check?.(result, d);
    });
  }
}
