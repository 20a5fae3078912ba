/** Containers, volumes and pod templates in describe output, as kubectl lays them out. */
import { formatLabels } from '../../../shared/api/print-format.js';
import type { Container, ContainerState, ContainerStatus, PodSpec, PodTemplateSpec, Volume } from '../../../shared/api/types/index.js';
import { quantities, rfc1123z, type DescribeWriter } from './writer.js';

function ports(container: Container, field: 'containerPort' | 'hostPort'): string {
  return (container.ports ?? [])
    .filter((p) => (p[field] ?? 0) > 0)
    .map((p) => `${p[field] ?? 0}/${p.protocol || 'TCP'}`)
    .join(', ');
}

function describeState(w: DescribeWriter, title: string, state: ContainerState): void {
  const { running, waiting, terminated } = state;
  if (running !== undefined) {
    w.line(2, `${title}:\tRunning`);
    w.line(3, `Started:\t${rfc1123z(running.startedAt)}`);
  } else if (terminated !== undefined) {
    w.line(2, `${title}:\tTerminated`);
    if (terminated.reason) w.line(3, `Reason:\t${terminated.reason}`);
    if (terminated.message) w.line(3, `Message:\t${terminated.message}`);
    w.line(3, `Exit Code:\t${terminated.exitCode ?? 0}`);
    if ((terminated.signal ?? 0) > 0) w.line(3, `Signal:\t${terminated.signal ?? 0}`);
    w.line(3, `Started:\t${rfc1123z(terminated.startedAt)}`);
    w.line(3, `Finished:\t${rfc1123z(terminated.finishedAt)}`);
  } else {
    w.line(2, `${title}:\tWaiting`);
    if (waiting?.reason) w.line(3, `Reason:\t${waiting.reason}`);
    if (waiting?.message) w.line(3, `Message:\t${waiting.message}`);
  }
}

function describeEnv(w: DescribeWriter, container: Container): void {
  const env = container.env ?? [];
  const envFrom = container.envFrom ?? [];
  if (env.length === 0 && envFrom.length === 0) {
    w.line(2, 'Environment:\t<none>');
    return;
  }
  if (envFrom.length > 0) {
    w.line(2, 'Environment Variables from:');
    for (const from of envFrom) {
      const { configMapRef: cm, secretRef: secret } = from;
      const prefix = from.prefix ? ` with prefix '${from.prefix}'` : '';
      if (cm?.name) w.line(3, `${cm.name}\tConfigMap${prefix}\tOptional: ${cm.optional === true}`);
      else if (secret?.name) w.line(3, `${secret.name}\tSecret${prefix}\tOptional: ${secret.optional === true}`);
    }
  }
  w.line(2, env.length === 0 ? 'Environment:\t<none>' : 'Environment:');
  for (const e of env) {
    const from = e.valueFrom;
    if (from === undefined) {
      (e.value ?? '').split('\n').forEach((l, i) => w.line(3, i === 0 ? `${e.name}:\t${l}` : `\t${l}`));
    } else if (from.configMapKeyRef !== undefined) {
      const r = from.configMapKeyRef;
      w.line(3, `${e.name}:\t<set to the key '${r.key}' of config map '${r.name}'>\tOptional: ${r.optional === true}`);
    } else if (from.secretKeyRef !== undefined) {
      const r = from.secretKeyRef;
      w.line(3, `${e.name}:\t<set to the key '${r.key}' in secret '${r.name}'>\tOptional: ${r.optional === true}`);
    } else if (from.fieldRef !== undefined) {
      const r = from.fieldRef;
      w.line(3, `${e.name}:\t (${r.apiVersion || 'v1'}:${r.fieldPath})`);
    } else {
      w.line(3, `${e.name}:\t<set from ${Object.keys(from).join(', ')}>`);
    }
  }
}

/** One `Containers:`/`Init Containers:` section; statuses are matched by container name. */
export function describeContainers(
  w: DescribeWriter,
  title: string,
  containers: readonly Container[],
  statuses: readonly ContainerStatus[] | undefined,
  space: string,
): void {
  w.line(0, `${space}${title}:`);
  for (const c of containers) {
    const status = statuses?.find((s) => s.name === c.name);
    w.line(1, `${space ? ' ' : ''}${c.name}:`);
    if (status) w.line(2, `Container ID:\t${status.containerID ?? ''}`);
    w.line(2, `Image:\t${c.image}`);
    if (status) w.line(2, `Image ID:\t${status.imageID ?? ''}`);
    const port = ports(c, 'containerPort');
    w.line(2, port.includes(',') ? `Ports:\t${port}` : `Port:\t${port || '<none>'}`);
    const hostPort = ports(c, 'hostPort');
    w.line(2, hostPort.includes(',') ? `Host Ports:\t${hostPort}` : `Host Port:\t${hostPort || '<none>'}`);
    for (const [field, label] of [
      ['command', 'Command'],
      ['args', 'Args'],
    ] as const) {
      const parts = c[field] ?? [];
      if (parts.length === 0) continue;
      w.line(2, `${label}:`);
      for (const part of parts) for (const l of part.split('\n')) w.line(3, l);
    }
    if (status) {
      describeState(w, 'State', status.state ?? {});
      if (status.lastState?.terminated !== undefined) describeState(w, 'Last State', status.lastState);
      w.line(2, `Ready:\t${status.ready === true ? 'True' : 'False'}`);
      w.line(2, `Restart Count:\t${status.restartCount ?? 0}`);
    }
    for (const [field, label] of [
      ['limits', 'Limits'],
      ['requests', 'Requests'],
    ] as const) {
      const list = quantities(c.resources?.[field]);
      const keys = Object.keys(list).sort();
      if (keys.length === 0) continue;
      w.line(2, `${label}:`);
      for (const k of keys) w.line(3, `${k}:\t${list[k] ?? ''}`);
    }
    describeEnv(w, c);
    const mounts = c.volumeMounts ?? [];
    if (mounts.length === 0) w.line(2, 'Mounts:\t<none>');
    else {
      w.line(2, 'Mounts:');
      for (const m of mounts) w.line(3, `${m.mountPath} from ${m.name} (${m.readOnly === true ? 'ro' : 'rw'})`);
    }
  }
}

/** `Volumes:` with each volume's source type and main fields. */
export function describeVolumes(w: DescribeWriter, volumes: readonly Volume[] | undefined, space: string): void {
  if (!volumes?.length) {
    w.line(0, `${space}Volumes:\t<none>`);
    return;
  }
  w.line(0, `${space}Volumes:`);
  for (const v of volumes) {
    w.line(1, `${space ? ' ' : ''}${v.name}:`);
    if (v.hostPath !== undefined) {
      w.line(2, 'Type:\tHostPath (bare host directory volume)');
      w.line(2, `Path:\t${v.hostPath.path}`);
      w.line(2, `HostPathType:\t${v.hostPath.type ?? ''}`);
    } else if (v.emptyDir !== undefined) {
      const { medium, sizeLimit } = v.emptyDir;
      w.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)");
      w.line(2, `Medium:\t${medium ?? ''}`);
      w.line(2, `SizeLimit:\t${sizeLimit === undefined ? '<unset>' : String(sizeLimit)}`);
    } else if (v.configMap !== undefined) {
      w.line(2, 'Type:\tConfigMap (a volume populated by a ConfigMap)');
      w.line(2, `Name:\t${v.configMap.name}`);
      w.line(2, `Optional:\t${v.configMap.optional === true}`);
    } else if (v.secret !== undefined) {
      w.line(2, 'Type:\tSecret (a volume populated by a Secret)');
      w.line(2, `SecretName:\t${v.secret.secretName}`);
      w.line(2, `Optional:\t${v.secret.optional === true}`);
    } else {
      w.line(2, `Type:\t${Object.keys(v).filter((k) => k !== 'name').join(', ') || '<unknown>'}`);
    }
  }
}

/** `Pod Template:` of a DaemonSet. */
export function describePodTemplate(w: DescribeWriter, template: PodTemplateSpec): void {
  w.line(0, 'Pod Template:');
  const { metadata: meta, spec } = template;
  w.labels('Labels', meta?.labels, '  ');
  const annotations = meta?.annotations ?? {};
  if (Object.keys(annotations).length > 0) w.annotations('Annotations', annotations, '  ');
  const init = spec.initContainers ?? [];
  if (init.length > 0) describeContainers(w, 'Init Containers', init, undefined, '  ');
  describeContainers(w, 'Containers', spec.containers, undefined, '  ');
  describeVolumes(w, spec.volumes, '  ');
  w.labels('Node-Selectors', spec.nodeSelector, '  ');
  w.tolerations('Tolerations', spec.tolerations, '  ');
}

/** `a=1,b=2` for a node selector map. */
export function nodeSelectorText(spec: PodSpec): string {
  return formatLabels(spec.nodeSelector);
}
