/**
 * DesiredState → what the planner works on: per pod its model, its volume plan, its sandbox
 * (unless it uses the host's network) and each container's create template, spec hash, pull
 * credentials or the reason it cannot be created. Pure; built once per desired document.
 */
import type { DesiredState } from '../../shared/protocol/desired.js';
import { planPodVolumes, type PodVolumePlan } from '../volumes/plan.js';
import { configObjects, type UnsealSecret } from './config-objects.js';
import { desiredContainer, desiredSandbox, type DesiredContainer, type DesiredSandbox, type SpecContext } from './container-spec.js';
import { podModel, type PodModel } from './pod-model.js';
import { DEFAULT_DEVICE_POD_SECURITY, deviceRefusal } from './device-policy.js';
import { ANY_ADDRESS, type HostPortSettings } from '../network/host-ports.js';

export interface DesiredPod {
  model: PodModel;
  volumes: PodVolumePlan;
  /** Undefined for hostNetwork pods. */
  sandbox?: DesiredSandbox;
  init: DesiredContainer[];
  app: DesiredContainer[];
  /** The device's policy refuses the pod: nothing of it is created (the message names the field). */
  forbidden?: string;
}

export interface DesiredPods {
  seq: number;
  pods: DesiredPod[];
  /** Pods that could not be read at all (no uid): logged, never run. */
  skipped: { name: string; error: string }[];
  /** Whether and where hostPorts are published (the node's admission of hostPorts). */
  hostPorts: HostPortSettings;
}

export interface BuildContext extends SpecContext {
  /** Where pod directories live (`DATA_DIR/pods`). */
  podsDir: string;
  /** Where Secret volumes live (`RUN_DIR/pods`, tmpfs); unset: under podsDir (tests of the planner). */
  memoryDir?: string;
  /** Opens the document's sealed Secrets; unset: Secrets are read as they are (planner tests). */
  unsealSecret?: UnsealSecret;
}

export const EMPTY_DESIRED: DesiredPods = { seq: 0, pods: [], skipped: [], hostPorts: { publishes: false, hostPortAddress: ANY_ADDRESS } };

export function buildDesired(state: DesiredState, ctx: BuildContext): DesiredPods {
  const objects = configObjects(state, ctx.unsealSecret);
  const pods: DesiredPod[] = [];
  const skipped: DesiredPods['skipped'] = [];
  const seen = new Set<string>();
  for (const obj of state.pods) {
    const r = podModel(obj);
    if (!r.ok) {
      skipped.push({ name: `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name ?? '?'}`, error: r.error });
      continue;
    }
    const model = r.pod;
    if (seen.has(model.ref.uid)) {
      skipped.push({ name: `${model.ref.namespace}/${model.ref.name}`, error: `duplicate pod uid ${model.ref.uid}` });
      continue;
    }
    seen.add(model.ref.uid);
    const subPaths = new Map<string, string[]>();
    for (const c of [...model.initContainers, ...model.containers]) {
      for (const m of c.volumeMounts) if (m.subPath !== undefined) subPaths.set(m.name, [...(subPaths.get(m.name) ?? []), m.subPath]);
    }
    const volumes = planPodVolumes(ctx.podsDir, model.ref.uid, model.ref.namespace, model.volumes, objects, subPaths, ctx.memoryDir);
    const pod: DesiredPod = {
      model,
      volumes,
      init: model.initContainers.map((c) => desiredContainer(model, c, 'init', volumes, objects, ctx)),
      app: model.containers.map((c) => desiredContainer(model, c, 'app', volumes, objects, ctx)),
    };
    if (!model.hostNetwork) pod.sandbox = desiredSandbox(model, ctx);
    const refusal = deviceRefusal(model.obj, ctx.podSecurity ?? DEFAULT_DEVICE_POD_SECURITY);
    if (refusal !== undefined) pod.forbidden = refusal;
    pods.push(pod);
  }
  const hostPorts = { publishes: ctx.podNetwork !== undefined, hostPortAddress: ctx.podNetwork?.hostPortAddress ?? ANY_ADDRESS };
  return { seq: state.seq, pods, skipped, hostPorts };
}
