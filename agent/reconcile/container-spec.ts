/**
 * Pod container → ContainerCreateSpec, and the spec hash that decides "recreate". The hash
 * covers the container as the pod spec writes it plus everything the device derives from it
 * (mounts, ports, cgroups, network mode, node settings such as the pids limit), but not values
 * resolved from ConfigMaps/Secrets/the downward API: as in Kubernetes, changing a ConfigMap
 * does not restart a container that reads it through env (files follow, see agent/volumes).
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateSpec, ContainerRole, PortBinding, RegistryAuth } from '../engine/types.js';
import type { StepWarning } from './types.js';
import { canonicalJson } from '../../shared/protocol/canonical-json.js';
import { containerMounts, type PodVolumePlan } from '../volumes/plan.js';
import type { ConfigObjects } from './config-objects.js';
import { expandArgs, POD_IP_TOKEN, resolveEnv, type NodeFacts } from './env.js';
import { containerLabels, containerName, podHostname, SANDBOX_CONTAINER } from './naming.js';
import type { ContainerModel, PodModel, PodRef, PullPolicy } from './pod-model.js';
import { pullAuth } from './registry-auth.js';
import { cgroupSettings, type RuntimeCaps } from './resources.js';
import { containerSecurity, sandboxSysctls, type ImageUserCheck, type SecuritySupport } from './security-context.js';
import { podDisplay } from './pod-model.js';
import type { DevicePodSecurity } from './device-policy.js';

/** Stands for the sandbox container's id in a template's networkMode until it is known. */
export const SANDBOX_NETWORK = 'container:<sandbox>';

export type SpecTemplate = Omit<ContainerCreateSpec, 'name' | 'labels'>;

export interface DesiredContainer {
  name: string;
  role: ContainerRole;
  image: string;
  pullPolicy: PullPolicy;
  specHash: string;
  /** Undefined when the container cannot be created (configError says why). */
  template?: SpecTemplate;
  /** CreateContainerConfigError: a missing ConfigMap key, a refused privileged container, … */
  configError?: string;
  /** Limits the node cannot enforce (a Warning event at each start). */
  warnings: StepWarning[];
  auth?: RegistryAuth;
  /** imagePullSecrets that could not be used (a Warning event; the pull goes on without them). */
  authProblems: string[];
  /** runAsNonRoot / runAsGroup that need the image's user: checked before the container is created. */
  imageUser?: ImageUserCheck;
}

export interface DesiredSandbox {
  specHash: string;
  image: string;
  template: SpecTemplate;
  /** hostPorts without a pod network to publish them on. */
  warnings: StepWarning[];
}

export interface SpecContext {
  node: NodeFacts;
  runtime: RuntimeCaps;
  podPidsLimit: number;
  allowPrivileged: boolean;
  podInfraImage: string;
  podInfraCommand?: string[];
  /** The pod network sandboxes join, and the host address hostPorts bind to; unset: no network. */
  podNetwork?: { name: string; hostPortAddress: string };
  /** The device's own pod security policy; default: baseline, no host paths. */
  podSecurity?: DevicePodSecurity;
  /** Docker's security options (seccomp, AppArmor, SELinux), from `docker info`. */
  security?: SecuritySupport;
}

export function specHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

function ports(list: readonly { containerPort: number; hostPort?: number; protocol: PortBinding['protocol']; hostIP?: string }[]): PortBinding[] {
  return list.map((p) => {
    const b: PortBinding = { containerPort: p.containerPort, protocol: p.protocol };
    if (p.hostPort !== undefined) b.hostPort = p.hostPort;
    if (p.hostIP !== undefined) b.hostIP = p.hostIP;
    return b;
  });
}

function hostnameOf(pod: PodModel): string {
  return podHostname(pod.obj.spec.hostname || pod.ref.name);
}

export function desiredContainer(
  pod: PodModel,
  c: ContainerModel,
  role: 'init' | 'app',
  volumes: PodVolumePlan,
  objects: ConfigObjects,
  ctx: SpecContext,
): DesiredContainer {
  const cgroups = cgroupSettings(c, ctx.podPidsLimit, ctx.runtime);
  let configError: string | undefined;
  let mounts: ContainerCreateSpec['mounts'] = [];
  try {
    mounts = containerMounts(volumes, c.volumeMounts);
  } catch (e) {
    configError = e instanceof Error ? e.message : String(e);
  }
  const security = containerSecurity(pod.obj, c.raw, podDisplay(pod.ref), ctx.security ?? {});
  if (security.error !== undefined) configError ??= security.error;
  const base: SpecTemplate = {
    image: c.image,
    env: [],
    mounts,
    // In the pod's sandbox the ports belong to the sandbox; on the host they are the host's.
    ports: pod.hostNetwork ? ports(c.ports) : [],
    networkMode: pod.hostNetwork ? 'host' : SANDBOX_NETWORK,
    privileged: c.privileged,
    ...cgroups.settings,
    ...security.fields,
  };
  if (c.command) base.entrypoint = c.command;
  if (c.args) base.cmd = c.args;
  if (c.workingDir !== undefined) base.workingDir = c.workingDir;
  const hash = specHash({ spec: base, container: c.raw });

  if (c.privileged && !ctx.allowPrivileged) {
    configError ??= `container "${c.name}" asks for securityContext.privileged: true, but this node does not allow privileged containers (agent setting allowPrivileged)`;
  }
  let template: SpecTemplate | undefined;
  if (configError === undefined) {
    const env = resolveEnv(pod, c, objects, ctx.podNetwork ? { ...ctx.node, podNetwork: true } : ctx.node);
    if (!env.ok) {
      configError = env.error;
    } else {
      template = { ...base, env: env.env.map(([k, v]) => `${k}=${v}`) };
      const entrypoint = expandArgs(c.command, env.env);
      const cmd = expandArgs(c.args, env.env);
      if (entrypoint) template.entrypoint = entrypoint;
      if (cmd) template.cmd = cmd;
    }
  }
  const auth = pullAuth(c.image, pod.ref.namespace, pod.imagePullSecrets, objects);
  const out: DesiredContainer = {
    name: c.name,
    role,
    image: c.image,
    pullPolicy: c.pullPolicy,
    specHash: hash,
    warnings: cgroups.warnings.map((message) => ({ reason: 'ResourceLimitNotEnforced', message })),
    authProblems: auth.problems,
  };
  if (template) out.template = template;
  if (configError !== undefined) out.configError = configError;
  if (auth.auth) out.auth = auth.auth;
  if (security.imageUser) out.imageUser = security.imageUser;
  return out;
}

/** The pod's sandbox: holds the network namespace (and the ports) the app containers join. */
export function desiredSandbox(pod: PodModel, ctx: SpecContext): DesiredSandbox {
  const net = ctx.podNetwork;
  const hostPorts = ports([...pod.initContainers, ...pod.containers].flatMap((c) => c.ports).filter((p) => p.hostPort !== undefined));
  const template: SpecTemplate = {
    image: ctx.podInfraImage,
    env: [],
    mounts: [],
    // Published by Docker on the sandbox, bound to the port's hostIP or the node's hostPort address.
    ports: net ? hostPorts.map((p) => ({ ...p, hostIP: p.hostIP ?? net.hostPortAddress })) : hostPorts,
    networkMode: net ? net.name : 'none',
    hostname: hostnameOf(pod),
    privileged: false,
    cpuShares: 2,
  };
  if (ctx.podInfraCommand && ctx.podInfraCommand.length > 0) template.entrypoint = ctx.podInfraCommand;
  if (ctx.podPidsLimit > 0 && ctx.runtime.pidsLimitSupported) template.pidsLimit = ctx.podPidsLimit;
  const sysctls = sandboxSysctls(pod.obj);
  if (sysctls) template.sysctls = sysctls;
  // Without a pod network (podNetwork: false) the sandbox has only loopback: nothing publishes a hostPort.
  const warnings = net
    ? []
    : template.ports.map((p) => ({
        reason: 'HostPortNotPublished',
        message: `hostPort ${p.hostPort ?? p.containerPort}/${p.protocol} is not published: this node has no pod network, use hostNetwork: true to listen on the node`,
      }));
  return { specHash: specHash({ sandbox: template }), image: ctx.podInfraImage, template, warnings };
}

/** The create spec of one attempt: name, labels, the sandbox's id in the network mode and its address for status.podIP. */
export function finalSpec(
  ref: PodRef,
  container: string,
  role: ContainerRole,
  hash: string,
  attempt: number,
  template: SpecTemplate,
  sandbox: { id: string; ip?: string } | undefined,
): ContainerCreateSpec {
  const spec: ContainerCreateSpec = {
    ...template,
    name: containerName(ref, container, attempt),
    labels: containerLabels(ref, container, role, hash, attempt),
  };
  if (template.networkMode === SANDBOX_NETWORK) {
    spec.networkMode = sandbox !== undefined ? `container:${sandbox.id}` : 'none';
    // status.podIP from the downward API: the sandbox's address, as the kubelet passes it.
    const ip = (v: string): string => v.replaceAll(POD_IP_TOKEN, sandbox?.ip ?? '');
    spec.env = template.env.map(ip);
    if (template.entrypoint) spec.entrypoint = template.entrypoint.map(ip);
    if (template.cmd) spec.cmd = template.cmd.map(ip);
  }
  return spec;
}

export { SANDBOX_CONTAINER };
