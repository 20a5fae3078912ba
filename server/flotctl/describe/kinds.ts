/** Per-kind describe text, following kubectl's describers. */
import type { KindInfo } from '../../../shared/api/kinds.js';
import { kindByName } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatAge, formatLabelSelector } from '../../../shared/api/print-format.js';
import type { ApiClient } from '../client.js';
import { listObjects } from '../objects.js';
import { describeContainers, describePodTemplate, describeVolumes, nodeSelectorText } from './containers.js';
import { describeEvents, fetchEvents } from './events.js';
import { DescribeWriter, num, rec, recs, rfc1123z, scalarMap, str } from './writer.js';

export interface DescribeContext {
  client: ApiClient;
  now: Date;
}

type Describer = (w: DescribeWriter, obj: KubeObject, ctx: DescribeContext) => Promise<void>;

function header(w: DescribeWriter, obj: KubeObject, info: KindInfo): void {
  w.line(0, `Name:\t${obj.metadata.name ?? ''}`);
  if (info.namespaced) w.line(0, `Namespace:\t${obj.metadata.namespace ?? ''}`);
}

function labelsAndAnnotations(w: DescribeWriter, obj: KubeObject): void {
  w.labels('Labels', obj.metadata.labels);
  w.annotations('Annotations', obj.metadata.annotations);
}

function controllerOf(obj: KubeObject): string | undefined {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? `${ref.kind}/${ref.name}` : undefined;
}

function resourceList(w: DescribeWriter, title: string, list: Record<string, string>): void {
  const keys = Object.keys(list).sort();
  if (keys.length === 0) return;
  w.line(0, `${title}:`);
  for (const k of keys) w.line(1, `${k}:\t${list[k] ?? ''}`);
}

const describeNode: Describer = async (w, node, ctx) => {
  const info = kindByName('Node');
  const spec = rec(node.spec);
  const status = rec(node.status);
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length)
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .sort();
  w.line(0, `Name:\t${node.metadata.name ?? ''}`);
  w.line(0, `Roles:\t${roles.join(',') || '<none>'}`);
  labelsAndAnnotations(w, node);
  w.line(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}`);
  const taints = recs(spec.taints);
  w.write(0, 'Taints:\t');
  if (taints.length === 0) w.write(0, '<none>\n');
  taints.forEach((t, i) => {
    if (i > 0) w.write(0, '\t');
    w.write(0, `${str(t.key)}${str(t.value) ? `=${str(t.value)}` : ''}:${str(t.effect)}\n`);
  });
  w.line(0, `Unschedulable:\t${spec.unschedulable === true}`);
  const conditions = recs(status.conditions);
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage');
    w.line(1, '----\t------\t-----------------\t------------------\t------\t-------');
    for (const c of conditions) {
      w.line(
        1,
        `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}`,
      );
    }
  }
  w.line(0, 'Addresses:');
  for (const a of recs(status.addresses)) w.line(1, `${str(a.type)}:\t${str(a.address)}`);
  resourceList(w, 'Capacity', scalarMap(status.capacity));
  resourceList(w, 'Allocatable', scalarMap(status.allocatable));
  const ni = rec(status.nodeInfo);
  w.line(0, 'System Info:');
  w.line(1, `Machine ID:\t${str(ni.machineID)}`);
  w.line(1, `System UUID:\t${str(ni.systemUUID)}`);
  w.line(1, `Boot ID:\t${str(ni.bootID)}`);
  w.line(1, `Kernel Version:\t${str(ni.kernelVersion)}`);
  w.line(1, `OS Image:\t${str(ni.osImage)}`);
  w.line(1, `Operating System:\t${str(ni.operatingSystem)}`);
  w.line(1, `Architecture:\t${str(ni.architecture)}`);
  w.line(1, `Container Runtime Version:\t${str(ni.containerRuntimeVersion)}`);
  w.line(1, `Kubelet Version:\t${str(ni.kubeletVersion)}`);

  const pods = kindByName('Pod');
  if (pods) {
    try {
      const list = await listObjects(ctx.client, pods, undefined, { fieldSelector: `spec.nodeName=${node.metadata.name ?? ''}` });
      const running = list.items.filter((p) => !['Succeeded', 'Failed'].includes(str(rec(p.status).phase)));
      w.line(0, `Non-terminated Pods:\t(${running.length} in total)`);
      if (running.length > 0) {
        w.line(1, 'Namespace\tName\tStatus\tAge');
        w.line(1, '---------\t----\t------\t---');
        for (const p of running) {
          w.line(1, `${p.metadata.namespace ?? ''}\t${p.metadata.name ?? ''}\t${str(rec(p.status).phase)}\t${formatAge(p.metadata.creationTimestamp, ctx.now)}`);
        }
      }
    } catch {
      // The node is still described without its pods.
    }
  }
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, node), ctx.now);
};

const describePod: Describer = async (w, pod, ctx) => {
  const info = kindByName('Pod');
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  w.line(0, `Name:\t${pod.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${pod.metadata.namespace ?? ''}`);
  w.line(0, `Priority:\t${num(spec.priority)}`);
  const nodeName = str(spec.nodeName);
  w.line(0, `Node:\t${nodeName ? `${nodeName}/${str(status.hostIP)}` : '<none>'}`);
  if (str(status.startTime)) w.line(0, `Start Time:\t${rfc1123z(status.startTime)}`);
  labelsAndAnnotations(w, pod);
  const phase = str(status.phase);
  if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    w.line(0, `Status:\tTerminating (lasts ${formatAge(pod.metadata.deletionTimestamp, ctx.now)})`);
  } else {
    w.line(0, `Status:\t${phase}`);
  }
  if (str(status.reason)) w.line(0, `Reason:\t${str(status.reason)}`);
  if (str(status.message)) w.line(0, `Message:\t${str(status.message)}`);
  w.line(0, `IP:\t${str(status.podIP)}`);
  const ips = recs(status.podIPs);
  if (ips.length > 0) {
    w.line(0, 'IPs:');
    for (const ip of ips) w.line(1, `IP:\t${str(ip.ip)}`);
  } else {
    w.line(0, 'IPs:\t<none>');
  }
  const controller = controllerOf(pod);
  if (controller) w.line(0, `Controlled By:\t${controller}`);
  const init = recs(spec.initContainers);
  if (init.length > 0) describeContainers(w, 'Init Containers', init, recs(status.initContainerStatuses), '');
  describeContainers(w, 'Containers', recs(spec.containers), recs(status.containerStatuses), '');
  const conditions = recs(status.conditions);
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus');
    for (const c of conditions) w.line(1, `${str(c.type)} \t${str(c.status)} `);
  }
  describeVolumes(w, recs(spec.volumes), '');
  w.labels('Node-Selectors', scalarMap(spec.nodeSelector));
  w.tolerations('Tolerations', recs(spec.tolerations));
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, pod), ctx.now);
};

const describeDaemonSet: Describer = async (w, ds, ctx) => {
  const info = kindByName('DaemonSet');
  const spec = rec(ds.spec);
  const status = rec(ds.status);
  const template = rec(spec.template);
  w.line(0, `Name:\t${ds.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${ds.metadata.namespace ?? ''}`);
  w.line(0, `Selector:\t${formatLabelSelector(spec.selector)}`);
  w.line(0, `Node-Selector:\t${nodeSelectorText(rec(template.spec))}`);
  labelsAndAnnotations(w, ds);
  w.line(0, `Desired Number of Nodes Scheduled: ${num(status.desiredNumberScheduled)}`);
  w.line(0, `Current Number of Nodes Scheduled: ${num(status.currentNumberScheduled)}`);
  w.line(0, `Number of Nodes Scheduled with Up-to-date Pods: ${num(status.updatedNumberScheduled)}`);
  w.line(0, `Number of Nodes Scheduled with Available Pods: ${num(status.numberAvailable)}`);
  w.line(0, `Number of Nodes Misscheduled: ${num(status.numberMisscheduled)}`);
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 };
  const pods = kindByName('Pod');
  const selector = formatLabelSelector(spec.selector);
  if (pods && selector !== '<none>' && selector !== '<error>') {
    try {
      const list = await listObjects(ctx.client, pods, ds.metadata.namespace, { labelSelector: selector });
      for (const p of list.items) {
        const owned = (p.metadata.ownerReferences ?? []).some((r) => r.controller === true && (!ds.metadata.uid || r.uid === ds.metadata.uid));
        const phase = str(rec(p.status).phase);
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

const describeNamespace: Describer = async (w, ns, ctx) => {
  const info = kindByName('Namespace');
  w.line(0, `Name:\t${ns.metadata.name ?? ''}`);
  labelsAndAnnotations(w, ns);
  w.line(0, `Status:\t${str(rec(ns.status).phase)}`);
  if (info) {
    const events = await fetchEvents(ctx.client, info, ns);
    if (events.length > 0) describeEvents(w, events, ctx.now);
  }
};

const describeConfigMap: Describer = async (w, cm, ctx) => {
  const info = kindByName('ConfigMap');
  w.line(0, `Name:\t${cm.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${cm.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, cm);
  let text = '\nData\n====\n';
  const data = scalarMap(cm.data);
  for (const k of Object.keys(data).sort()) text += `${k}:\n----\n${data[k] ?? ''}\n\n`;
  text += '\nBinaryData\n====\n';
  const binary = scalarMap(cm.binaryData);
  for (const k of Object.keys(binary).sort()) text += `${k}: ${Buffer.from(binary[k] ?? '', 'base64').length} bytes\n`;
  w.raw(text + '\n');
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, cm), ctx.now);
};

const describeSecret: Describer = async (w, secret, ctx) => {
  const info = kindByName('Secret');
  w.line(0, `Name:\t${secret.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${secret.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, secret);
  w.line(0, '');
  w.line(0, `Type:\t${str(secret.type) || 'Opaque'}`);
  w.line(0, '');
  w.line(0, 'Data');
  w.line(0, '====');
  const data = scalarMap(secret.data);
  for (const k of Object.keys(data).sort()) w.line(0, `${k}:\t${Buffer.from(data[k] ?? '', 'base64').length} bytes`);
  if (info) {
    const events = await fetchEvents(ctx.client, info, secret);
    if (events.length > 0) describeEvents(w, events, ctx.now);
  }
};

const describeEvent: Describer = (w, ev) => {
  const involved = rec(ev.involvedObject);
  const source = rec(ev.source);
  w.line(0, `Name:\t${ev.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${ev.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, ev);
  w.line(0, `Type:\t${str(ev.type)}`);
  w.line(0, `Reason:\t${str(ev.reason)}`);
  w.line(0, `Involved Object:\t${str(involved.kind)}/${str(involved.name)}${str(involved.fieldPath) ? ` (${str(involved.fieldPath)})` : ''}`);
  w.line(0, `Message:\t${str(ev.message).trim()}`);
  w.line(0, `Source:\t${[str(source.component) || str(ev.reportingController), str(source.host) || str(ev.reportingInstance)].filter(Boolean).join(', ')}`);
  w.line(0, `Count:\t${num(ev.count) || 1}`);
  w.line(0, `First Timestamp:\t${rfc1123z(ev.firstTimestamp || ev.eventTime)}`);
  w.line(0, `Last Timestamp:\t${rfc1123z(ev.lastTimestamp || ev.firstTimestamp || ev.eventTime)}`);
  return Promise.resolve();
};

const describeControllerRevision: Describer = async (w, cr, ctx) => {
  const info = kindByName('ControllerRevision');
  w.line(0, `Name:\t${cr.metadata.name ?? ''}`);
  w.line(0, `Namespace:\t${cr.metadata.namespace ?? ''}`);
  labelsAndAnnotations(w, cr);
  w.line(0, `Controlled By:\t${controllerOf(cr) ?? '<none>'}`);
  w.line(0, `Revision:\t${num(cr.revision)}`);
  w.line(0, `CreationTimestamp:\t${rfc1123z(cr.metadata.creationTimestamp)}`);
  if (info) describeEvents(w, await fetchEvents(ctx.client, info, cr), ctx.now);
};

const DESCRIBERS: Record<string, Describer> = {
  Node: describeNode,
  Pod: describePod,
  DaemonSet: describeDaemonSet,
  Namespace: describeNamespace,
  ConfigMap: describeConfigMap,
  Secret: describeSecret,
  Event: describeEvent,
  ControllerRevision: describeControllerRevision,
};

/** The describe text of one object of a served kind. */
export async function describeObject(info: KindInfo, obj: KubeObject, ctx: DescribeContext): Promise<string> {
  const w = new DescribeWriter();
  const describer = DESCRIBERS[info.kind];
  if (describer) {
    await describer(w, obj, ctx);
  } else {
    header(w, obj, info);
    labelsAndAnnotations(w, obj);
    describeEvents(w, await fetchEvents(ctx.client, info, obj), ctx.now);
  }
  return w.toString();
}
