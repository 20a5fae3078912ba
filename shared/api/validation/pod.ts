/** Pod and PodSpec (the latter shared with DaemonSet templates). */
import type { FieldReader } from './reader.js';
import { inclusiveRange, index, invalid, invalidEach, notSupported, required, typeInvalid } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.js';
import { validateLabels } from './meta.js';
import { validateContainer } from './container.js';
import type { ContainerContext } from './container.js';
import { validateVolumes } from './volumes.js';
import { validateTolerations } from './tolerations.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
const MAX_INT32 = 2147483647;

export interface PodSpecRules {
  /** Restart policies allowed here: all three for a Pod, only Always in a DaemonSet template. */
  restartPolicies: readonly string[];
}

function validatePodSecurityContext(spec: FieldReader): void {
  const sc = spec.record('securityContext');
  if (!sc) return;
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    const id = sc.int(f);
    if (id !== undefined && (id < 0 || id > MAX_INT32)) sc.errs.push(invalid(sc.at(f), id, inclusiveRange(0, MAX_INT32)));
  }
  sc.bool('runAsNonRoot');
  const groups = sc.array('supplementalGroups');
  groups?.forEach((g, i) => {
    if (typeof g !== 'number' || !Number.isInteger(g)) sc.errs.push(typeInvalid(index(sc.at('supplementalGroups'), i), 'integer', g));
  });
  for (const { item } of sc.records('sysctls') ?? []) {
    item.requiredString('name');
    item.string('value');
  }
}

function validateDNS(spec: FieldReader): void {
  const policy = spec.string('dnsPolicy');
  if (policy !== undefined && !(DNS_POLICIES as readonly string[]).includes(policy)) {
    spec.errs.push(notSupported(spec.at('dnsPolicy'), policy, DNS_POLICIES));
  }
  const config = spec.record('dnsConfig');
  if (policy === 'None' && !config) spec.errs.push(required(spec.at('dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
  if (config) {
    const servers = config.stringArray('nameservers');
    if (servers && servers.length > 3) spec.errs.push(invalid(config.at('nameservers'), servers, 'must not have more than 3 nameservers'));
    if (policy === 'None' && (servers?.length ?? 0) === 0) {
      spec.errs.push(required(config.at('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    }
    config.stringArray('searches');
    for (const { item } of config.records('options') ?? []) {
      item.requiredString('name');
      item.string('value');
    }
  }
}

export function validatePodSpec(spec: FieldReader, rules: PodSpecRules): void {
  const errs = spec.errs;
  const hostNetwork = spec.bool('hostNetwork') === true;
  const ctx: ContainerContext = { volumes: validateVolumes(spec), names: new Set(), hostNetwork, hostPorts: new Set() };

  const rawContainers = spec.raw('containers');
  if (rawContainers === undefined || (Array.isArray(rawContainers) && rawContainers.length === 0)) {
    errs.push(required(spec.at('containers')));
  }
  for (const { item } of spec.records('containers') ?? []) validateContainer(item, ctx, false);
  // Checked after the regular containers, so a clashing name is reported on the init container.
  for (const { item } of spec.records('initContainers') ?? []) validateContainer(item, ctx, true);

  const restart = spec.string('restartPolicy');
  if (restart !== undefined) {
    if (!(RESTART_POLICIES as readonly string[]).includes(restart)) errs.push(notSupported(spec.at('restartPolicy'), restart, RESTART_POLICIES));
    else if (!rules.restartPolicies.includes(restart)) errs.push(notSupported(spec.at('restartPolicy'), restart, rules.restartPolicies));
  }

  spec.nonNegativeInt('terminationGracePeriodSeconds');
  const deadline = spec.int('activeDeadlineSeconds');
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(invalid(spec.at('activeDeadlineSeconds'), deadline, inclusiveRange(1, MAX_INT32)));
  }

  validateDNS(spec);
  const nodeSelector = spec.stringMap('nodeSelector');
  if (nodeSelector) errs.push(...validateLabels(nodeSelector, spec.at('nodeSelector')));
  const nodeName = spec.string('nodeName');
  if (nodeName) errs.push(...invalidEach(spec.at('nodeName'), nodeName, nameIsDNSSubdomain(nodeName)));
  const scheduler = spec.string('schedulerName');
  if (scheduler) errs.push(...invalidEach(spec.at('schedulerName'), scheduler, isDNS1123Subdomain(scheduler)));
  for (const f of ['hostname', 'subdomain']) {
    const v = spec.string(f);
    if (v) errs.push(...invalidEach(spec.at(f), v, isDNS1123Label(v)));
  }
  for (const f of ['hostPID', 'hostIPC', 'enableServiceLinks', 'automountServiceAccountToken', 'shareProcessNamespace']) spec.bool(f);
  for (const f of ['serviceAccountName', 'priorityClassName', 'runtimeClassName']) spec.string(f);
  spec.int('priority');
  spec.record('affinity');
  validateTolerations(spec);
  validatePodSecurityContext(spec);
  for (const { item } of spec.records('imagePullSecrets') ?? []) item.string('name');
  for (const { item } of spec.records('hostAliases') ?? []) {
    item.requiredString('ip');
    item.stringArray('hostnames');
  }
}

function validatePodStatus(status: FieldReader): void {
  const phase = status.string('phase');
  if (phase !== undefined && phase !== '' && !(POD_PHASES as readonly string[]).includes(phase)) {
    status.errs.push(notSupported(status.at('phase'), phase, POD_PHASES));
  }
  for (const f of ['podIP', 'hostIP', 'message', 'reason', 'startTime', 'qosClass', 'nominatedNodeName']) status.string(f);
  for (const f of ['podIPs', 'hostIPs']) for (const { item } of status.records(f) ?? []) item.string('ip');
  for (const { item } of status.records('conditions') ?? []) {
    item.requiredString('type');
    item.requiredString('status');
  }
  for (const f of ['containerStatuses', 'initContainerStatuses']) {
    for (const { item } of status.records(f) ?? []) {
      item.string('name');
      item.bool('ready');
      item.int('restartCount');
      item.record('state');
      item.record('lastState');
    }
  }
}

export function validatePod(obj: FieldReader): void {
  const spec = obj.record('spec');
  if (spec) validatePodSpec(spec, { restartPolicies: RESTART_POLICIES });
  else if (!obj.has('spec')) obj.errs.push(required('spec.containers'));
  const status = obj.record('status');
  if (status) validatePodStatus(status);
}
