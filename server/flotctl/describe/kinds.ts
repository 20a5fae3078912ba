/** Per-kind describe text, following kubectl's describers. */
import type { KindInfo } from '../../../shared/api/kinds.js';
import { kindByName } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatAge, formatLabelSelector } from '../../../shared/api/print-format.js';
import type { ApiClient } from '../client.js';
import { listObjects } from '../objects.js';
import { describeContainers, describePodTemplate, describeVolumes, nodeSelectorText } from './containers.js';
import { describeEvents, fetchEvents } from './events.js';
import { fromStore, type KindName, type KindTypes } from '../../../shared/api/types/index.js';
import { DescribeWriter, quantities, rfc1123z } from './writer.js';

export interface DescribeContext {
  client: ApiClient;
  now: Date;
}

/** Describes an object of kind K, typed. */
type Describer<K extends KindName> = (w: DescribeWriter, obj: KindTypes[K], ctx: DescribeContext) => Promise<void>;

function header(w: DescribeWriter, obj: KubeObject, info: KindInfo): void {
  w.line(0, `Name:\t${obj.metadata.name ?? ''}`);
  if (info.namespaced) w.line(0, `Namespace:\t${obj.metadata.namespace ?? ''}`);
}

function labelsAndAnnotations(w: DescribeWriter, obj: { metadata: KubeObject['metadata'] }): void {
  w.labels('Labels', obj.metadata.labels);
  w.annotations('Annotations', obj.metadata.annotations);
}

function controllerOf(obj: { metadata: KubeObject['metadata'] }): string | undefined {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? `${ref.kind}/${ref.name}` : undefined;
}

function resourceList(w: DescribeWriter, title: string, list: Record<string, string>): void {
  const keys = Object.keys(list).sort();
  if (keys.length === 0) return;
  w.line(0, `${title}:`);
  for (const k of keys) w.line(1, `${k}:\t${list[k] ?? ''}`);
}

const describeNode: Describer<'Node'> = async (w, node, ctx) => {
  const info = kindByName('Node');
  const spec = node.spec ?? {};
  const status = node.status ?? {};
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length)
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .sort();
  w.line(0, `Name:\t${node.metadata.name ?? ''}`);
  w.line(0, `Roles:\t${roles.join(',') || '<none>'}`);
  labelsAndAnnotations(w, node);
  w.line(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}`);
  const taints = spec.taints ?? [];
  w.write(0, 'Taints:\t');
  if (taints.length === 0) w.write(0, '<none>\n');
  taints.forEach((t, i) => {
    if (i > 0) w.write(0, '\t');
    w.write(0, `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`);
  });
  w.line(0, `Unschedulable:\t${spec.unschedulable === true}`);
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage');
    w.line(1, '----\t------\t-----------------\t------------------\t------\t-------');
    for (const c of conditions) {
      w.line(
        1,
        `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}`,
      );
    }
  }
  w.line(0, 'Addresses:');
  for (const a of status.addresses ?? []) w.line(1, `${a.type}:\t${a.address}`);
  resourceList(w, 'Capacity', quantities(status.capacity));
  resourceList(w, 'Allocatable', quantities(status.allocatable));
  const ni = status.nodeInfo ?? {};
  w.line(0, 'System Info:');
  w.line(1, `Machine ID:\t${ni.machineID ?? ''}`);
  w.line(1, `System UUID:\t${ni.systemUUID ?? ''}`);
  w.line(1, `Boot ID:\t${ni.bootID ?? ''}`);
  w.line(1, `Kernel Version:\t${ni.kernelVersion ?? ''}`);
  w.line(1, `OS Image:\t${ni.osImage ?? ''}`);
  w.line(1, `Operating System:\t${ni.operatingSystem ?? ''}`);
  w.line(1, `Architecture:\t${ni.architecture ?? ''}`);
  w.line(1, `Container Runtime Version:\t${ni.containerRuntimeVersion ?? ''}`);
  w.line(1, `Kubelet Version:\t${ni.kubeletVersion ?? ''}`);

  const pods = kindByName('Pod');
  if (pods) {
    try {
      const list = await listObjects(ctx.client, pods, undefined, { fieldSelector: `spec.nodeName=${node.metadata.name ?? ''}` });
      const running = list.items.map((p) => fromStore('Pod', p)).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
      w.line(0, `Non-terminated Pods:\t(${running.length} in total)`);
      if (running.length > 0) {
        w.line(1, 'Namespace\tName\tStatus\tAge');
        w.line(1, '---------\t----\t------\t---');
        for (const p of running) {
          w.line(1, `${p.metadata.namespace ?? ''}\t${p.metadata.name ?? ''}\t${p.status?.phase ?? ''}\t${formatAge(p.metadata.creationTimestamp, ctx.now)}`);
        }
      }
    } catch {
      // The node is still described without its pods.
    }
  }
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, node), ctx.now);
};

const describePod: Describer<'Pod'> = async (w, pod, ctx) => {
  const info = kindByName('Pod');
  const { spec } = pod;
  const status = pod.status ?? {};
  w.line(0, `Name:\t${pod.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${pod.metadata.namespace ?? ''}`);
  w.line(0, `Priority:\t${spec.priority ?? 0}`);
  w.line(0, `Node:\t${spec.nodeName ? `${spec.nodeName}/${status.hostIP ?? ''}` : '<none>'}`);
  if (status.startTime) w.line(0, `Start Time:\t${rfc1123z(status.startTime)}`);
  labelsAndAnnotations(w, pod);
  const phase = status.phase ?? '';
  if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    w.line(0, `Status:\tTerminating (lasts ${formatAge(pod.metadata.deletionTimestamp, ctx.now)})`);
  } else {
    w.line(0, `Status:\t${phase}`);
  }
  if (status.reason) w.line(0, `Reason:\t${status.reason}`);
  if (status.message) w.line(0, `Message:\t${status.message}`);
  w.line(0, `IP:\t${status.podIP ?? ''}`);
  const ips = status.podIPs ?? [];
  if (ips.length > 0) {
    w.line(0, 'IPs:');
    for (const ip of ips) w.line(1, `IP:\t${ip.ip ?? ''}`);
  } else {
    w.line(0, 'IPs:\t<none>');
  }
  const controller = controllerOf(pod);
  if (controller) w.line(0, `Controlled By:\t${controller}`);
  const init = spec.initContainers ?? [];
  if (init.length > 0) describeContainers(w, 'Init Containers', init, status.initContainerStatuses ?? [], '');
  describeContainers(w, 'Containers', spec.containers, status.containerStatuses ?? [], '');
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus');
    for (const c of conditions) w.line(1, `${c.type} \t${c.status} `);
  }
  describeVolumes(w, spec.volumes, '');
  w.labels('Node-Selectors', spec.nodeSelector);
  w.tolerations('Tolerations', spec.tolerations);
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, pod), ctx.now);
};

const describeDaemonSet: Describer<'DaemonSet'> = async (w, ds, ctx) => {
  const info = kindByName('DaemonSet');
  const { spec } = ds;
  const status = ds.status ?? {};
  const { template } = spec;
  w.line(0, `Name:\t${ds.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${ds.metadata.namespace ?? ''}`);
  w.line(0, `Selector:\t${formatLabelSelector(spec.selector)}`);
  w.line(0, `Node-Selector:\t${nodeSelectorText(template.spec)}`);
  labelsAndAnnotations(w, ds);
  w.line(0, `Desired Number of Nodes Scheduled: ${status.desiredNumberScheduled ?? 0}`);
  w.line(0, `Current Number of Nodes Scheduled: ${status.currentNumberScheduled ?? 0}`);
  w.line(0, `Number of Nodes Scheduled with Up-to-date Pods: ${status.updatedNumberScheduled ?? 0}`);
  w.line(0, `Number of Nodes Scheduled with Available Pods: ${status.numberAvailable ?? 0}`);
  w.line(0, `Number of Nodes Misscheduled: ${status.numberMisscheduled ?? 0}`);
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 };
  const pods = kindByName('Pod');
  const selector = formatLabelSelector(spec.selector);
  if (pods && selector !== '<none>' && selector !== '<error>') {
    try {
      const list = await listObjects(ctx.client, pods, ds.metadata.namespace, { labelSelector: selector });
      for (const p of list.items.map((o) => fromStore('Pod', o))) {
        const owned = (p.metadata.ownerReferences ?? []).some((r) => r.controller === true && (!ds.metadata.uid || r.uid === ds.metadata.uid));
        const phase = p.status?.phase;
        if (owned && (phase === 'Running' || phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed')) counts[phase]++;
      }
    } catch {
      // Pod counts stay zero when pods cannot be listed.
    }
  }
  w.line(0, `Pods Status:\t${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`);
  describePodTemplate(w, template);
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, ds), ctx.now);
};

const describeNamespace: Describer<'Namespace'> = async (w, ns, ctx) => {
  const info = kindByName('Namespace');
  w.line(0, `Name:\t${ns.metadata.name ?? ''}`);
  labelsAndAnnotations(w, ns);
  w.line(0, `Status:\t${ns.status?.phase ?? ''}`);
  if (info) {
    const events = await fetchEvents(ctx.client, info, ns);
    if (events.length > 0) describeEvents(w, events, ctx.now);
  }
};

const describeConfigMap: Describer<'ConfigMap'> = async (w, cm, ctx) => {
  const info = kindByName('ConfigMap');
  w.line(0, `Name:\t${cm.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${cm.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, cm);
  let text = '\nData\n====\n';
  const data = cm.data ?? {};
  for (const k of Object.keys(data).sort()) text += `${k}:\n----\n${data[k] ?? ''}\n\n`;
  text += '\nBinaryData\n====\n';
  const binary = cm.binaryData ?? {};
  for (const k of Object.keys(binary).sort()) text += `${k}: ${Buffer.from(binary[k] ?? '', 'base64').length} bytes\n`;
  w.raw(text + '\n');
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, cm), ctx.now);
};

const describeSecret: Describer<'Secret'> = async (w, secret, ctx) => {
  const info = kindByName('Secret');
  w.line(0, `Name:\t${secret.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${secret.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, secret);
  w.line(0, '');
  w.line(0, `Type:\t${secret.type || 'Opaque'}`);
  w.line(0, '');
  w.line(0, 'Data');
  w.line(0, '====');
  const data = secret.data ?? {};
  for (const k of Object.keys(data).sort()) w.line(0, `${k}:\t${Buffer.from(data[k] ?? '', 'base64').length} bytes`);
  if (info) {
    const events = await fetchEvents(ctx.client, info, secret);
    if (events.length > 0) describeEvents(w, events, ctx.now);
  }
};

const describeEvent: Describer<'Event'> = (w, ev) => {
  const involved = ev.involvedObject;
  const source = ev.source ?? {};
  w.line(0, `Name:\t${ev.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${ev.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, ev);
  w.line(0, `Type:\t${ev.type ?? ''}`);
  w.line(0, `Reason:\t${ev.reason ?? ''}`);
  w.line(0, `Involved Object:\t${involved.kind ?? ''}/${involved.name ?? ''}${involved.fieldPath ? ` (${involved.fieldPath})` : ''}`);
  w.line(0, `Message:\t${(ev.message ?? '').trim()}`);
  w.line(0, `Source:\t${[source.component || ev.reportingComponent, source.host || ev.reportingInstance].filter(Boolean).join(', ')}`);
  w.line(0, `Count:\t${ev.count || 1}`);
  w.line(0, `First Timestamp:\t${rfc1123z(ev.firstTimestamp || ev.eventTime)}`);
  w.line(0, `Last Timestamp:\t${rfc1123z(ev.lastTimestamp || ev.firstTimestamp || ev.eventTime)}`);
  return Promise.resolve();
};

const describeControllerRevision: Describer<'ControllerRevision'> = async (w, cr, ctx) => {
  const info = kindByName('ControllerRevision');
  w.line(0, `Name:\t${cr.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${cr.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, cr);
  w.line(0, `Controlled By:\t${controllerOf(cr) ?? '<none>'}`);
  w.line(0, `Revision:\t${cr.revision}`);
  w.line(0, `CreationTimestamp:\t${rfc1123z(cr.metadata.creationTimestamp)}`);
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, cr), ctx.now);
};

/** kubectl's PodDisruptionBudget describer. */
const describePodDisruptionBudget: Describer<'PodDisruptionBudget'> = async (w, pdb, ctx) => {
  const info = kindByName('PodDisruptionBudget');
  w.line(0, `Name:\t${pdb.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${pdb.metadata.namespace ?? ''}`);
  if (pdb.spec.minAvailable !== undefined) w.line(0, `Min available:\t${pdb.spec.minAvailable}`);
  if (pdb.spec.maxUnavailable !== undefined) w.line(0, `Max unavailable:\t${pdb.spec.maxUnavailable}`);
  w.line(0, `Selector:\t${pdb.spec.selector ? formatLabelSelector(pdb.spec.selector) || '<none>' : '<unset>'}`);
  const status = pdb.status ?? {};
  w.line(0, 'Status:');
  w.line(2, `Allowed disruptions:\t${status.disruptionsAllowed ?? 0}`);
  w.line(2, `Current:\t${status.currentHealthy ?? 0}`);
  w.line(2, `Desired:\t${status.desiredHealthy ?? 0}`);
  w.line(2, `Total:\t${status.expectedPods ?? 0}`);
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, pdb), ctx.now);
};

const DESCRIBERS: { [K in KindName]: Describer<K> } = {
  Node: describeNode,
  Pod: describePod,
  DaemonSet: describeDaemonSet,
  Namespace: describeNamespace,
  ConfigMap: describeConfigMap,
  Secret: describeSecret,
  Event: describeEvent,
  ControllerRevision: describeControllerRevision,
  PodDisruptionBudget: describePodDisruptionBudget,
};

function isDescribed(kind: string): kind is KindName {
  return Object.hasOwn(DESCRIBERS, kind);
}

/** The hub serves only objects it decoded, so the object is its kind's type. */
function describeAs<K extends KindName>(kind: K, w: DescribeWriter, obj: KubeObject, ctx: DescribeContext): Promise<void> {
  const describer: Describer<K> = DESCRIBERS[kind];
  return describer(w, fromStore(kind, obj), ctx);
}

/** The describe text of one object of a served kind. */
export async function describeObject(info: KindInfo, obj: KubeObject, ctx: DescribeContext): Promise<string> {
  const w = new DescribeWriter();
  if (isDescribed(info.kind)) {
    await describeAs(info.kind, w, obj, ctx);
  } else {
    header(w, obj, info);
    labelsAndAnnotations(w, obj);
    describeEvents(w, await fetchEvents(ctx.client, info, obj), ctx.now);
  }
  return w.toString();
}
