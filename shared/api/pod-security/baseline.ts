/**
 * The baseline checks of the Pod Security Standards (Kubernetes' pod-security-admission
 * policy package): what every pod below `privileged` must not do. Reasons and details are
 * worded as Kubernetes words them.
 */
import type { SecurityContext, SecurityProfile } from '../types/index.js';
import { containersOf, containersPhrase, joinQuote, pluralize, sortedUnique, type PodView, type Violation } from './visit.js';

type Check = (pod: PodView, minor: number) => Violation | undefined;

/** `pod and containers "a"`: who set a field, the pod first. */
function setters(pod: boolean, containers: readonly string[], joiner = ' and '): string {
  const parts: string[] = [];
  if (pod) parts.push('pod');
  if (containers.length > 0) parts.push(containersPhrase(containers));
  return parts.join(joiner);
}

export const hostProcess: Check = (pod) => {
  const fields: string[] = [];
  const names: string[] = [];
  const onPod = pod.spec.securityContext?.windowsOptions?.hostProcess === true;
  if (onPod) fields.push(`${pod.specPath}.securityContext.windowsOptions.hostProcess`);
  for (const { container, path } of containersOf(pod)) {
    if (container.securityContext?.windowsOptions?.hostProcess === true) {
      names.push(container.name);
      fields.push(`${path}.securityContext.windowsOptions.hostProcess`);
    }
  }
  if (fields.length === 0) return undefined;
  return { reason: 'hostProcess', detail: `${setters(onPod, names)} must not set securityContext.windowsOptions.hostProcess=true`, fields };
};

export const hostNamespaces: Check = (pod) => {
  const found = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => pod.spec[f] === true);
  if (found.length === 0) return undefined;
  return { reason: 'host namespaces', detail: found.map((f) => `${f}=true`).join(', '), fields: found.map((f) => `${pod.specPath}.${f}`) };
};

export const privileged: Check = (pod) => {
  const bad = containersOf(pod).filter(({ container }) => container.securityContext?.privileged === true);
  if (bad.length === 0) return undefined;
  return {
    reason: 'privileged',
    detail: `${containersPhrase(bad.map((b) => b.container.name))} must not set securityContext.privileged=true`,
    fields: bad.map((b) => `${b.path}.securityContext.privileged`),
  };
};

/** Capabilities a baseline container may add: the container runtimes' default set. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

export const capabilitiesBaseline: Check = (pod) => {
  const names: string[] = [];
  const caps: string[] = [];
  const fields: string[] = [];
  for (const { container, path } of containersOf(pod)) {
    const bad = (container.securityContext?.capabilities?.add ?? []).filter((c) => !BASELINE_CAPABILITIES.has(c));
    if (bad.length === 0) continue;
    names.push(container.name);
    caps.push(...bad);
    fields.push(`${path}.securityContext.capabilities.add`);
  }
  if (names.length === 0) return undefined;
  return { reason: 'non-default capabilities', detail: `${containersPhrase(names)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`, fields };
};

export const hostPathVolumes: Check = (pod) => {
  const bad = (pod.spec.volumes ?? []).map((v, i) => ({ v, i })).filter(({ v }) => v.hostPath !== undefined);
  if (bad.length === 0) return undefined;
  return {
    reason: 'hostPath volumes',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad.map(({ v }) => v.name))}`,
    fields: bad.map(({ i }) => `${pod.specPath}.volumes[${i}].hostPath`),
  };
};

export const hostPorts: Check = (pod) => {
  const names: string[] = [];
  const ports: string[] = [];
  const fields: string[] = [];
  for (const { container, path } of containersOf(pod)) {
    let bad = false;
    (container.ports ?? []).forEach((p, i) => {
      if (p.hostPort === undefined || p.hostPort === 0) return;
      bad = true;
      ports.push(String(p.hostPort));
      fields.push(`${path}.ports[${i}].hostPort`);
    });
    if (bad) names.push(container.name);
  }
  if (names.length === 0) return undefined;
  const list = sortedUnique(ports);
  return {
    reason: 'hostPort',
    detail: `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
    fields,
  };
};

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

export const appArmorProfile: Check = (pod, minor) => {
  const bad: string[] = [];
  const fields: string[] = [];
  for (const [key, value] of Object.entries(pod.metadata.annotations ?? {})) {
    if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
    if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
    bad.push(`${key}=${JSON.stringify(value)}`);
    fields.push(`${pod.metadataPath}.annotations[${key}]`);
  }
  if (minor >= 30) {
    const profileBad = (p: SecurityProfile | undefined): boolean => p?.type !== undefined && p.type !== 'RuntimeDefault' && p.type !== 'Localhost';
    const podProfile = pod.spec.securityContext?.appArmorProfile;
    if (profileBad(podProfile)) {
      bad.push(`pod securityContext.appArmorProfile.type=${JSON.stringify(podProfile?.type)}`);
      fields.push(`${pod.specPath}.securityContext.appArmorProfile.type`);
    }
    for (const { container, path } of containersOf(pod)) {
      const p = container.securityContext?.appArmorProfile;
      if (!profileBad(p)) continue;
      bad.push(`container ${JSON.stringify(container.name)} securityContext.appArmorProfile.type=${JSON.stringify(p?.type)}`);
      fields.push(`${path}.securityContext.appArmorProfile.type`);
    }
  }
  if (bad.length === 0) return undefined;
  return { reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', bad.length), detail: bad.sort().join(', '), fields };
};

export const seLinuxOptions: Check = (pod, minor) => {
  const allowed = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', ...(minor >= 31 ? ['container_engine_t'] : [])]);
  const types = new Set<string>();
  let user = false;
  let role = false;
  const fields: string[] = [];
  const judge = (ctx: { seLinuxOptions?: { type?: string; user?: string; role?: string } } | undefined, path: string): boolean => {
    const o = ctx?.seLinuxOptions;
    if (!o) return false;
    let bad = false;
    if (o.type !== undefined && !allowed.has(o.type)) {
      types.add(o.type);
      fields.push(`${path}.seLinuxOptions.type`);
      bad = true;
    }
    if (o.user !== undefined && o.user !== '') {
      user = true;
      fields.push(`${path}.seLinuxOptions.user`);
      bad = true;
    }
    if (o.role !== undefined && o.role !== '') {
      role = true;
      fields.push(`${path}.seLinuxOptions.role`);
      bad = true;
    }
    return bad;
  };
  const onPod = judge(pod.spec.securityContext, `${pod.specPath}.securityContext`);
  const names = containersOf(pod)
    .filter(({ container, path }) => judge(container.securityContext, `${path}.securityContext`))
    .map(({ container }) => container.name);
  if (!onPod && names.length === 0) return undefined;
  const data: string[] = [];
  if (types.size > 0) data.push(`${pluralize('type', 'types', types.size)} ${joinQuote(sortedUnique(types))}`);
  if (user) data.push('user may not be set');
  if (role) data.push('role may not be set');
  return { reason: 'seLinuxOptions', detail: `${setters(onPod, names)} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`, fields };
};

export const procMount: Check = (pod) => {
  const bad = containersOf(pod).filter(({ container }) => {
    const m = container.securityContext?.procMount;
    return m !== undefined && m !== '' && m !== 'Default';
  });
  if (bad.length === 0) return undefined;
  const values = sortedUnique(bad.map(({ container }) => container.securityContext?.procMount ?? ''));
  return {
    reason: 'procMount',
    detail: `${containersPhrase(bad.map((b) => b.container.name))} must not set securityContext.procMount to ${joinQuote(values)}`,
    fields: bad.map((b) => `${b.path}.securityContext.procMount`),
  };
};

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';

export const seccompProfileBaseline: Check = (pod, minor) => {
  if (minor < 19) {
    const bad = Object.entries(pod.metadata.annotations ?? {}).filter(
      ([k, v]) => (k === SECCOMP_POD_ANNOTATION || k.startsWith(SECCOMP_CONTAINER_ANNOTATION)) && v === 'unconfined',
    );
    if (bad.length === 0) return undefined;
    return {
      reason: 'seccompProfile',
      detail: `forbidden ${pluralize('annotation', 'annotations', bad.length)} ${bad.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
      fields: bad.map(([k]) => `${pod.metadataPath}.annotations[${k}]`),
    };
  }
  const unconfined = (ctx: SecurityContext | { seccompProfile?: SecurityProfile } | undefined): boolean => ctx?.seccompProfile?.type === 'Unconfined';
  const onPod = unconfined(pod.spec.securityContext);
  const bad = containersOf(pod).filter(({ container }) => unconfined(container.securityContext));
  if (!onPod && bad.length === 0) return undefined;
  return {
    reason: 'seccompProfile',
    detail: `${setters(onPod, bad.map((b) => b.container.name))} must not set securityContext.seccompProfile.type to "Unconfined"`,
    fields: [...(onPod ? [`${pod.specPath}.securityContext.seccompProfile.type`] : []), ...bad.map((b) => `${b.path}.securityContext.seccompProfile.type`)],
  };
};

/** Sysctls a baseline pod may set, by the version that allowed them. */
const SAFE_SYSCTLS: readonly (readonly [number, string])[] = [
  [0, 'kernel.shm_rmid_forced'],
  [0, 'net.ipv4.ip_local_port_range'],
  [0, 'net.ipv4.ip_unprivileged_port_start'],
  [0, 'net.ipv4.tcp_syncookies'],
  [0, 'net.ipv4.ping_group_range'],
  [27, 'net.ipv4.ip_local_reserved_ports'],
  [29, 'net.ipv4.tcp_keepalive_time'],
  [29, 'net.ipv4.tcp_fin_timeout'],
  [29, 'net.ipv4.tcp_keepalive_intvl'],
  [29, 'net.ipv4.tcp_keepalive_probes'],
  [32, 'net.ipv4.tcp_rmem'],
  [32, 'net.ipv4.tcp_wmem'],
];

export function safeSysctls(minor: number): ReadonlySet<string> {
  return new Set(SAFE_SYSCTLS.filter(([v]) => v <= minor).map(([, name]) => name));
}

export const sysctls: Check = (pod, minor) => {
  const safe = safeSysctls(minor);
  const bad = (pod.spec.securityContext?.sysctls ?? []).map((s, i) => ({ s, i })).filter(({ s }) => !safe.has(s.name));
  if (bad.length === 0) return undefined;
  return {
    reason: 'forbidden sysctls',
    detail: bad.map(({ s }) => s.name).join(', '),
    fields: bad.map(({ i }) => `${pod.specPath}.securityContext.sysctls[${i}].name`),
  };
};
