/** The reconciler on a real engine for integration tests: its config, the desired document, start/stop, pod status and cleanup. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerEngine, ObservedContainer } from '../../agent/engine/types.js';
import { createProbeManager } from '../../agent/probes/index.js';
import type { ProbeManager } from '../../agent/probes/types.js';
import { startReconciler, type Reconciler } from '../../agent/reconcile/index.js';
import { noProbes } from './no-probes.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { DevicePodSecurity } from '../../agent/reconcile/device-policy.js';
import type { DesiredState } from '../../shared/protocol/desired.js';
import type { NodeEvent, PodStatusReport } from '../../shared/protocol/messages.js';
import { systemClock } from '../../shared/util/clock.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TEST_IMAGE } from './env.js';
import { until } from './wait.js';

/** The node the harness reconciles for: its pods are bound to it. */
export const RECONCILE_NODE = 'pi-test';

export interface ReconcileHarnessOptions {
  /** Prefix of the temporary pods directory (`DATA_DIR/pods`). */
  podsDirPrefix: string;
  /** The reconciler's podPidsLimit (per container); 1024 unless told. */
  podPidsLimit?: number;
  /** Real probes: a probe manager on the engine, made by setUp and stopped by dispose. Otherwise no probes. */
  realProbes?: boolean;
  /** The device's pod security policy; privileged with no host paths unless told. */
  podSecurity?: DevicePodSecurity;
}

/** A started reconciler and the events it published. */
export interface RunningReconciler {
  rec: Reconciler;
  events: NodeEvent[];
}

/** What the desired document carries besides pods; each is empty unless given. */
export interface DesiredObjects {
  configMaps?: KubeObject[];
  secrets?: KubeObject[];
}

export interface ReconcileHarness {
  /** The pods directory (after setUp). */
  readonly podsDir: string;
  /** The reconciler started last, if any (still set after dispose). */
  readonly current: RunningReconciler | undefined;
  /** Makes the pods directory (and the probe manager with `realProbes`); returns the directory. */
  setUp: (engine: ContainerEngine) => Promise<string>;
  /** Starts a reconciler on the current desired document, with fresh events; it becomes `current`. */
  start: (probes?: ProbeManager) => RunningReconciler;
  /** A new desired document (next seq) with these pods, handed to the current reconciler. */
  setDesired: (pods: KubeObject[], objects?: DesiredObjects) => void;
  /** The current reconciler's latest status report of the pod. */
  report: (pod: KubeObject) => PodStatusReport | undefined;
  /** The named entry of the pod's `containerStatuses` (or another list of its status). */
  containerStatus: (pod: KubeObject, name: string, field?: string) => JsonObject | undefined;
  /** The engine's managed containers of the pod. */
  managed: (pod: KubeObject) => Promise<ObservedContainer[]>;
  /** The pod's running container of that name. */
  running: (pod: KubeObject, name: string) => Promise<ObservedContainer | undefined>;
  /** Desires no pods, and waits (30 s) until no container of any pod desired so far is left. */
  removeAllPods: () => Promise<void>;
  /** Stops the current reconciler (and own probes), removes what is left of the pods and the pods directory. */
  dispose: () => Promise<void>;
}

export function reconcileHarness(opts: ReconcileHarnessOptions): ReconcileHarness {
  let engine: ContainerEngine | undefined;
  let podsDir: string | undefined;
  let ownProbes: ProbeManager | undefined;
  let current: RunningReconciler | undefined;
  let state: DesiredState = { node: RECONCILE_NODE, seq: 1, issuedAt: '', pods: [], configMaps: [], secrets: [] };
  const uids = new Set<string>();

  function theEngine(): ContainerEngine {
    if (engine === undefined) throw new Error('reconcile harness: setUp has not run');
    return engine;
  }

  function start(probes?: ProbeManager): RunningReconciler {
    if (podsDir === undefined) throw new Error('reconcile harness: setUp has not run');
    const events: NodeEvent[] = [];
    const rec = startReconciler({
      engine: theEngine(),
      probes: probes ?? ownProbes ?? noProbes(),
      desired: { current: () => state },
      publishPodStatus: () => Promise.resolve(true),
      publishEvents: (m) => {
        events.push(...m.events);
        return Promise.resolve(true);
      },
      config: {
        nodeName: RECONCILE_NODE,
        podsDir,
        hostIP: '127.0.0.1',
        podInfraImage: TEST_IMAGE,
        podInfraCommand: ['sleep', '2147483647'],
        podPidsLimit: opts.podPidsLimit ?? 1024,
        allowPrivileged: false,
        podSecurity: opts.podSecurity ?? { level: 'privileged', hostPaths: { allowed: [], protected: [{ path: '/', what: 'the root file system' }] } },
        pollIntervalMs: 300,
        nodeCpuCores: 2,
        nodeMemoryBytes: 2 ** 31,
      },
      clock: systemClock,
      logger: silentLogger,
    });
    current = { rec, events };
    return current;
  }

  function setDesired(pods: KubeObject[], objects: DesiredObjects = {}): void {
    for (const p of pods) if (p.metadata.uid) uids.add(p.metadata.uid);
    state = { ...state, seq: state.seq + 1, pods, configMaps: objects.configMaps ?? [], secrets: objects.secrets ?? [] };
    current?.rec.update(state);
  }

  function report(pod: KubeObject): PodStatusReport | undefined {
    return current?.rec.reports().find((r) => r.uid === pod.metadata.uid);
  }

  function containerStatus(pod: KubeObject, name: string, field = 'containerStatuses'): JsonObject | undefined {
    const list = report(pod)?.status[field];
    return Array.isArray(list) ? list.filter(isRecord).find((c) => c['name'] === name) : undefined;
  }

  async function managed(pod: KubeObject): Promise<ObservedContainer[]> {
    return (await theEngine().listManaged()).filter((c) => c.podUid === pod.metadata.uid);
  }

  async function running(pod: KubeObject, name: string): Promise<ObservedContainer | undefined> {
    return (await managed(pod)).find((c) => c.container === name && c.state === 'running');
  }

  return {
    get podsDir(): string {
      if (podsDir === undefined) throw new Error('reconcile harness: setUp has not run');
      return podsDir;
    },
    get current(): RunningReconciler | undefined {
      return current;
    },
    setUp: async (e) => {
      engine = e;
      podsDir = await mkdtemp(join(tmpdir(), opts.podsDirPrefix));
      if (opts.realProbes) ownProbes = createProbeManager({ engine: e, clock: systemClock, logger: silentLogger });
      return podsDir;
    },
    start,
    setDesired,
    report,
    containerStatus,
    managed,
    running,
    removeAllPods: async () => {
      setDesired([]);
      const e = theEngine();
      await until('pods removed', async () => ((await e.listManaged()).some((c) => uids.has(c.podUid)) ? undefined : true), 30_000);
    },
    dispose: async () => {
      await current?.rec.stop();
      ownProbes?.stop();
      if (current && engine) for (const c of await engine.listManaged()) if (uids.has(c.podUid)) await engine.removeContainer(c.id);
      if (podsDir) await rm(podsDir, { recursive: true, force: true });
    },
  };
}
