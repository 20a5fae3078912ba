/** One container of a pod spec (regular or init). */
import type { FieldReader } from './reader.js';
import { duplicate, forbidden, inclusiveRange, invalid, invalidEach, notSupported, required } from './field-errors.js';
import { isDNS1123Label, isValidPortName } from './names.js';
import { validateEnv, validateEnvFrom } from './env.js';
import { validateResources } from './resources.js';
import { validateLifecycle, validateProbe } from './probes.js';
import type { ProbeName } from './probes.js';
import { validateLocalDescendingPath } from './volumes.js';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;
const MOUNT_PROPAGATION = ['None', 'HostToContainer', 'Bidirectional'] as const;
const PROBES: readonly ProbeName[] = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const MAX_INT32 = 2147483647;

/** What containers of one pod share while they are checked. */
export interface ContainerContext {
  volumes: ReadonlySet<string>;
  /** Names of the containers checked so far: names are unique across containers and initContainers. */
  names: Set<string>;
  hostNetwork: boolean;
  /** `protocol/hostIP/hostPort` of host ports taken so far. */
  hostPorts: Set<string>;
}

function oneOf(v: string, list: readonly string[]): boolean {
  return list.includes(v);
}

function validatePorts(ctr: FieldReader, ctx: ContainerContext): void {
  const errs = ctr.errs;
  const names = new Set<string>();
  for (const { item } of ctr.records('ports') ?? []) {
    const name = item.string('name');
    if (name) {
      errs.push(...invalidEach(item.at('name'), name, isValidPortName(name)));
      if (names.has(name)) errs.push(duplicate(item.at('name'), name));
      names.add(name);
    }
    const containerPort = item.int('containerPort');
    if (!item.has('containerPort') || containerPort === 0) errs.push(required(item.at('containerPort')));
    else if (containerPort !== undefined && (containerPort < 1 || containerPort > 65535)) {
      errs.push(invalid(item.at('containerPort'), containerPort, inclusiveRange(1, 65535)));
    }
    const hostPort = item.int('hostPort');
    if (hostPort !== undefined && hostPort !== 0 && (hostPort < 1 || hostPort > 65535)) {
      errs.push(invalid(item.at('hostPort'), hostPort, inclusiveRange(1, 65535)));
    }
    const protocol = item.string('protocol');
    if (protocol !== undefined && !oneOf(protocol, PROTOCOLS)) errs.push(notSupported(item.at('protocol'), protocol, PROTOCOLS));
    const hostIP = item.string('hostIP');

    // With hostNetwork the container port is the host port; defaulting copies it over.
    if (ctx.hostNetwork && hostPort && containerPort !== undefined && hostPort !== containerPort) {
      errs.push(invalid(item.at('hostPort'), hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    }
    const effective = hostPort || (ctx.hostNetwork ? containerPort : undefined);
    if (effective) {
      const proto = protocol || 'TCP';
      const id = `${proto}/${hostIP ?? ''}/${effective}`;
      if (ctx.hostPorts.has(id)) errs.push(duplicate(item.at('hostPort'), `${effective}/${proto}`));
      ctx.hostPorts.add(id);
    }
  }
}

function validateVolumeMounts(ctr: FieldReader, ctx: ContainerContext, privileged: boolean): void {
  const errs = ctr.errs;
  const paths = new Set<string>();
  for (const { item } of ctr.records('volumeMounts') ?? []) {
    const name = item.requiredString('name');
    if (name && !ctx.volumes.has(name)) errs.push(invalid(item.at('name'), name, 'must match the name of a volume in the pod spec'));
    const mountPath = item.requiredString('mountPath');
    if (mountPath) {
      if (paths.has(mountPath)) errs.push(invalid(item.at('mountPath'), mountPath, 'must be unique'));
      paths.add(mountPath);
    }
    item.bool('readOnly');
    validateLocalDescendingPath(item, 'subPath');
    item.string('subPathExpr');
    const propagation = item.string('mountPropagation');
    if (propagation !== undefined && !oneOf(propagation, MOUNT_PROPAGATION)) {
      errs.push(notSupported(item.at('mountPropagation'), propagation, MOUNT_PROPAGATION));
    } else if (propagation === 'Bidirectional' && !privileged) {
      errs.push(forbidden(item.at('mountPropagation'), 'Bidirectional mount propagation is available only to privileged containers'));
    }
  }
}

/** Returns `securityContext.privileged`. */
function validateSecurityContext(ctr: FieldReader): boolean {
  const sc = ctr.record('securityContext');
  if (!sc) return false;
  const privileged = sc.bool('privileged');
  for (const f of ['runAsUser', 'runAsGroup']) {
    const id = sc.int(f);
    if (id !== undefined && (id < 0 || id > MAX_INT32)) sc.errs.push(invalid(sc.at(f), id, inclusiveRange(0, MAX_INT32)));
  }
  for (const f of ['runAsNonRoot', 'readOnlyRootFilesystem']) sc.bool(f);
  const escalation = sc.bool('allowPrivilegeEscalation');
  if (privileged === true && escalation === false) {
    sc.errs.push(invalid(sc.path, { privileged, allowPrivilegeEscalation: escalation }, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  const caps = sc.record('capabilities');
  caps?.stringArray('add');
  caps?.stringArray('drop');
  sc.string('procMount');
  return privileged === true;
}

export function validateContainer(ctr: FieldReader, ctx: ContainerContext, init: boolean): void {
  const errs = ctr.errs;
  const name = ctr.requiredString('name');
  if (name) {
    errs.push(...invalidEach(ctr.at('name'), name, isDNS1123Label(name)));
    if (ctx.names.has(name)) errs.push(duplicate(ctr.at('name'), name));
    ctx.names.add(name);
  }
  const image = ctr.requiredString('image');
  if (image !== undefined && image.trim() !== image) {
    errs.push(invalid(ctr.at('image'), image, 'must not have leading or trailing whitespace'));
  }
  ctr.stringArray('command');
  ctr.stringArray('args');
  ctr.string('workingDir');
  for (const f of ['stdin', 'stdinOnce', 'tty']) ctr.bool(f);
  ctr.string('terminationMessagePath');

  const pull = ctr.string('imagePullPolicy');
  if (pull && !oneOf(pull, PULL_POLICIES)) errs.push(notSupported(ctr.at('imagePullPolicy'), pull, PULL_POLICIES));
  const tmp = ctr.string('terminationMessagePolicy');
  if (tmp && !oneOf(tmp, TERMINATION_MESSAGE_POLICIES)) {
    errs.push(notSupported(ctr.at('terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  }

  // A restartPolicy on an init container makes it a sidecar; regular containers take the pod's.
  const restart = ctr.string('restartPolicy');
  if (restart !== undefined) {
    if (!init) errs.push(forbidden(ctr.at('restartPolicy'), 'may not be set for non-init containers'));
    else if (restart !== 'Always') errs.push(notSupported(ctr.at('restartPolicy'), restart, ['Always']));
  }
  const sidecar = init && restart === 'Always';

  validatePorts(ctr, ctx);
  validateEnv(ctr);
  validateEnvFrom(ctr);
  const resources = ctr.record('resources');
  if (resources) validateResources(resources);
  const privileged = validateSecurityContext(ctr);
  validateVolumeMounts(ctr, ctx, privileged);
  if (ctr.has('volumeDevices')) {
    errs.push(forbidden(ctr.at('volumeDevices'), 'Flotilla does not support raw block volumes; mount the device with a hostPath volume'));
  }

  for (const p of PROBES) {
    if (!ctr.has(p)) continue;
    if (init && !sidecar) {
      errs.push(forbidden(ctr.at(p), 'may not be set for init containers without restartPolicy=Always'));
      continue;
    }
    const probe = ctr.record(p);
    if (probe) validateProbe(probe, p);
  }
  if (ctr.has('lifecycle')) {
    if (init && !sidecar) errs.push(forbidden(ctr.at('lifecycle'), 'may not be set for init containers without restartPolicy=Always'));
    else {
      const lc = ctr.record('lifecycle');
      if (lc) validateLifecycle(lc);
    }
  }
}
