/** Containers, volumes and pod templates in describe output, as kubectl lays them out. */
import { formatLabels } from '../../../shared/api/print-format.js';
import { num, rec, recs, rfc1123z, scalarMap, str, strs, type DescribeWriter, type Rec } from './writer.js';

function ports(container: Rec, field: 'containerPort' | 'hostPort'): string {
  return recs(container.ports)
    .filter((p) => num(p[field]) > 0)
    .map((p) => `${num(p[field])}/${str(p.protocol) || 'TCP'}`)
    .join(', ');
}

function describeState(w: DescribeWriter, title: string, state: Rec): void {
  const running = rec(state.running);
  const waiting = rec(state.waiting);
  const terminated = rec(state.terminated);
  if (state.running !== undefined) {
    w.line(2, `${title}:\tRunning`);
    w.line(3, `Started:\t${rfc1123z(running.startedAt)}`);
  } else if (state.terminated !== undefined) {
    w.line(2, `${title}:\tTerminated`);
    if (str(terminated.reason)) w.line(3, `Reason:\t${str(terminated.reason)}`);
    if (str(terminated.message)) w.line(3, `Message:\t${str(terminated.message)}`);
    w.line(3, `Exit Code:\t${num(terminated.exitCode)}`);
    if (num(terminated.signal) > 0) w.line(3, `Signal:\t${num(terminated.signal)}`);
    w.line(3, `Started:\t${rfc1123z(terminated.startedAt)}`);
    w.line(3, `Finished:\t${rfc1123z(terminated.finishedAt)}`);
  } else {
    w.line(2, `${title}:\tWaiting`);
    if (str(waiting.reason)) w.line(3, `Reason:\t${str(waiting.reason)}`);
    if (str(waiting.message)) w.line(3, `Message:\t${str(waiting.message)}`);
  }
}

function describeEnv(w: DescribeWriter, container: Rec): void {
  const env = recs(container.env);
  const envFrom = recs(container.envFrom);
  if (env.length === 0 && envFrom.length === 0) {
    w.line(2, 'Environment:\t<none>');
    return;
  }
  if (envFrom.length > 0) {
    w.line(2, 'Environment Variables from:');
    for (const from of envFrom) {
      const cm = rec(from.configMapRef);
      const secret = rec(from.secretRef);
      const prefix = str(from.prefix) ? ` with prefix '${str(from.prefix)}'` : '';
      if (str(cm.name)) w.line(3, `${str(cm.name)}\tConfigMap${prefix}\tOptional: ${cm.optional === true}`);
      else if (str(secret.name)) w.line(3, `${str(secret.name)}\tSecret${prefix}\tOptional: ${secret.optional === true}`);
    }
  }
  w.line(2, env.length === 0 ? 'Environment:\t<none>' : 'Environment:');
  for (const e of env) {
    const from = rec(e.valueFrom);
    if (e.valueFrom === undefined) {
      str(e.value)
        .split('\n')
        .forEach((l, i) => w.line(3, i === 0 ? `${str(e.name)}:\t${l}` : `\t${l}`));
    } else if (from.configMapKeyRef !== undefined) {
      const r = rec(from.configMapKeyRef);
      w.line(3, `${str(e.name)}:\t<set to the key '${str(r.key)}' of config map '${str(r.name)}'>\tOptional: ${r.optional === true}`);
    } else if (from.secretKeyRef !== undefined) {
      const r = rec(from.secretKeyRef);
      w.line(3, `${str(e.name)}:\t<set to the key '${str(r.key)}' in secret '${str(r.name)}'>\tOptional: ${r.optional === true}`);
    } else if (from.fieldRef !== undefined) {
      const r = rec(from.fieldRef);
      w.line(3, `${str(e.name)}:\t (${str(r.apiVersion) || 'v1'}:${str(r.fieldPath)})`);
    } else {
      w.line(3, `${str(e.name)}:\t<set from ${Object.keys(from).join(', ')}>`);
    }
  }
}

/** One `Containers:`/`Init Containers:` section; statuses are matched by container name. */
export function describeContainers(w: DescribeWriter, title: string, containers: Rec[], statuses: Rec[] | undefined, space: string): void {
  w.line(0, `${space}${title}:`);
  for (const c of containers) {
    const status = statuses?.find((s) => s.name === c.name);
    w.line(1, `${space ? ' ' : ''}${str(c.name)}:`);
    if (status) w.line(2, `Container ID:\t${str(status.containerID)}`);
    w.line(2, `Image:\t${str(c.image)}`);
    if (status) w.line(2, `Image ID:\t${str(status.imageID)}`);
    const port = ports(c, 'containerPort');
    w.line(2, port.includes(',') ? `Ports:\t${port}` : `Port:\t${port || '<none>'}`);
    const hostPort = ports(c, 'hostPort');
    w.line(2, hostPort.includes(',') ? `Host Ports:\t${hostPort}` : `Host Port:\t${hostPort || '<none>'}`);
    for (const [field, label] of [
      ['command', 'Command'],
      ['args', 'Args'],
    ] as const) {
      const parts = strs(c[field]);
      if (parts.length === 0) continue;
      w.line(2, `${label}:`);
      for (const part of parts) for (const l of part.split('\n')) w.line(3, l);
    }
    if (status) {
      describeState(w, 'State', rec(status.state));
      if (rec(status.lastState).terminated !== undefined) describeState(w, 'Last State', rec(status.lastState));
      w.line(2, `Ready:\t${status.ready === true ? 'True' : 'False'}`);
      w.line(2, `Restart Count:\t${num(status.restartCount)}`);
    }
    const resources = rec(c.resources);
    for (const [field, label] of [
      ['limits', 'Limits'],
      ['requests', 'Requests'],
    ] as const) {
      const list = scalarMap(resources[field]);
      const keys = Object.keys(list).sort();
      if (keys.length === 0) continue;
      w.line(2, `${label}:`);
      for (const k of keys) w.line(3, `${k}:\t${list[k] ?? ''}`);
    }
    describeEnv(w, c);
    const mounts = recs(c.volumeMounts);
    if (mounts.length === 0) w.line(2, 'Mounts:\t<none>');
    else {
      w.line(2, 'Mounts:');
      for (const m of mounts) w.line(3, `${str(m.mountPath)} from ${str(m.name)} (${m.readOnly === true ? 'ro' : 'rw'})`);
    }
  }
}

/** `Volumes:` with each volume's source type and main fields. */
export function describeVolumes(w: DescribeWriter, volumes: Rec[], space: string): void {
  if (volumes.length === 0) {
    w.line(0, `${space}Volumes:\t<none>`);
    return;
  }
  w.line(0, `${space}Volumes:`);
  for (const v of volumes) {
    w.line(1, `${space ? ' ' : ''}${str(v.name)}:`);
    if (v.hostPath !== undefined) {
      const h = rec(v.hostPath);
      w.line(2, 'Type:\tHostPath (bare host directory volume)');
      w.line(2, `Path:\t${str(h.path)}`);
      w.line(2, `HostPathType:\t${str(h.type)}`);
    } else if (v.emptyDir !== undefined) {
      const e = rec(v.emptyDir);
      w.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)");
      w.line(2, `Medium:\t${str(e.medium)}`);
      w.line(2, `SizeLimit:\t${scalarMap({ v: e.sizeLimit }).v ?? '<unset>'}`);
    } else if (v.configMap !== undefined) {
      const c = rec(v.configMap);
      w.line(2, 'Type:\tConfigMap (a volume populated by a ConfigMap)');
      w.line(2, `Name:\t${str(c.name)}`);
      w.line(2, `Optional:\t${c.optional === true}`);
    } else if (v.secret !== undefined) {
      const s = rec(v.secret);
      w.line(2, 'Type:\tSecret (a volume populated by a Secret)');
      w.line(2, `SecretName:\t${str(s.secretName)}`);
      w.line(2, `Optional:\t${s.optional === true}`);
    } else {
      w.line(2, `Type:\t${Object.keys(v).filter((k) => k !== 'name').join(', ') || '<unknown>'}`);
    }
  }
}

/** `Pod Template:` of a DaemonSet. */
export function describePodTemplate(w: DescribeWriter, template: Rec): void {
  w.line(0, 'Pod Template:');
  const meta = rec(template.metadata);
  const spec = rec(template.spec);
  w.labels('Labels', scalarMap(meta.labels), '  ');
  const annotations = scalarMap(meta.annotations);
  if (Object.keys(annotations).length > 0) w.annotations('Annotations', annotations, '  ');
  const init = recs(spec.initContainers);
  if (init.length > 0) describeContainers(w, 'Init Containers', init, undefined, '  ');
  describeContainers(w, 'Containers', recs(spec.containers), undefined, '  ');
  describeVolumes(w, recs(spec.volumes), '  ');
  w.labels('Node-Selectors', scalarMap(spec.nodeSelector), '  ');
  w.tolerations('Tolerations', recs(spec.tolerations), '  ');
}

/** `a=1,b=2` for a node selector map. */
export function nodeSelectorText(spec: Rec): string {
  return formatLabels(scalarMap(spec.nodeSelector));
}
