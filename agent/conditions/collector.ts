/**
 * Collects the Node's status, labels and annotations from a HostProbe, keeping the previous
 * conditions so transition times survive from one collection to the next.
 */
import type { ConditionsConfig } from './config.js';
import { holdPressure, mergeConditions, observeConditions, type HeldTrue, type RuntimeState } from './conditions.js';
import type { HostProbe } from './host-probe.js';
import { buildNodeStatus, nodeAnnotations, nodeLabels, nodeName } from './node-status.js';
import { readHostReadings, readStaticInfo, type HostReadings, type StaticHostInfo } from './readings.js';
import { statusDigest, type DigestOptions } from './status-digest.js';
import type { NodeCondition, NodeStatus } from './types.js';

export interface CollectedStatus {
  /** The Node's metadata.name. */
  nodeName: string;
  status: NodeStatus;
  /** Labels the agent owns (merge into metadata.labels; do not replace the user's). */
  labels: Record<string, string>;
  /** Annotations the agent owns (merge into metadata.annotations). */
  annotations: Record<string, string>;
  /** statusDigest(status, labels, annotations): send the full status when it differs from the last sent. */
  digest: string;
  /** The raw readings behind this status, for heartbeats or metrics that want numbers. */
  readings: HostReadings;
}

/** docker:// is the runtime scheme when the caller passes a bare version. */
export function containerRuntimeVersion(version: string): string {
  return version.includes('://') ? version : `docker://${version}`;
}

export class NodeStatusCollector {
  private staticInfo: Promise<StaticHostInfo> | undefined;
  private previous: NodeCondition[] | undefined;
  private held = new Map<string, HeldTrue>();
  private runtimeVersion = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly probe: HostProbe,
    private readonly cfg: ConditionsConfig,
    private readonly now: () => Date,
    private readonly digestOptions: DigestOptions = {},
  ) {}

  /** Reads what does not change while the agent runs (expensive). Once; later calls share the result. */
  collectStatic(): Promise<StaticHostInfo> {
    if (!this.staticInfo) {
      const p = readStaticInfo(this.probe);
      // A failed read is retried by the next call instead of being cached.
      p.catch(() => {
        if (this.staticInfo === p) this.staticInfo = undefined;
      });
      this.staticInfo = p;
    }
    return this.staticInfo;
  }

  /**
   * Seeds the previous conditions, e.g. from the Node the hub holds after an agent restart, so
   * lastTransitionTime does not reset when nothing changed.
   */
  restoreConditions(conditions: readonly NodeCondition[]): void {
    this.previous = conditions.map((c) => ({ ...c }));
  }

  /** The conditions of the last collection (or restored ones). */
  lastConditions(): NodeCondition[] | undefined {
    return this.previous?.map((c) => ({ ...c }));
  }

  /** One collection. Calls are serialised, so transitions are computed in call order. */
  collect(runtime: RuntimeState): Promise<CollectedStatus> {
    const run = this.queue.then(() => this.collectNow(runtime));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async collectNow(runtime: RuntimeState): Promise<CollectedStatus> {
    const info = await this.collectStatic();
    const readings = await readHostReadings(this.probe, info, this.cfg);
    const now = this.now();
    if (runtime.version) this.runtimeVersion = containerRuntimeVersion(runtime.version);

    const held = holdPressure(observeConditions(info, readings, runtime, this.cfg), this.held, now.getTime(), this.cfg.pressureTransitionPeriodMs);
    const conditions = mergeConditions(this.previous, held.observed, now);
    this.held = held.held;
    this.previous = conditions.map((c) => ({ ...c }));

    const status = buildNodeStatus(info, readings, this.runtimeVersion, conditions, this.cfg);
    const labels = nodeLabels(info, this.cfg);
    const annotations = nodeAnnotations(info, readings);
    return {
      nodeName: nodeName(info, this.cfg),
      status,
      labels,
      annotations,
      digest: statusDigest(status, labels, annotations, this.digestOptions),
      readings,
    };
  }
}
