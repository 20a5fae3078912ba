/**
 * A container's securityContext (with the pod's) → Docker settings, never silently dropped:
 * what Docker can enforce is mapped, what this device cannot enforce is a configError naming
 * the field (the container is not created rather than run weaker). runAsNonRoot without a
 * runAsUser needs the image's user, so the executor finishes it with `imageUser()`. Pure.
 */
import type { Container, Pod, SecurityProfile } from '../../shared/api/types/index.js';
import type { ContainerCreateSpec } from '../engine/types.js';

export type SecurityFields = Pick<
  ContainerCreateSpec,
  'user' | 'groupAdd' | 'readOnlyRootfs' | 'capAdd' | 'capDrop' | 'securityOpt' | 'pidMode' | 'ipcMode' | 'sysctls' | 'unmaskedProc'
>;

/** What only the image can tell: its user decides runAsNonRoot, and the user runAsGroup joins. */
export interface ImageUserCheck {
  runAsNonRoot: boolean;
  /** runAsGroup without runAsUser: the image's user with this group. */
  group?: number;
  /** For the kubelet's message: `pod "name_ns(uid)"`. */
  pod: string;
}

export interface SecurityResult {
  fields: SecurityFields;
  imageUser?: ImageUserCheck;
  error?: string;
}

/** What the device's Docker can do, from `docker info`'s SecurityOptions (undefined: unknown, assume Linux defaults). */
export interface SecuritySupport {
  securityOptions?: readonly string[];
}

function supports(rt: SecuritySupport, name: string): boolean {
  // Docker without SecurityOptions reported: seccomp is on by default on Linux, AppArmor and SELinux are not.
  if (rt.securityOptions === undefined) return name === 'seccomp';
  return rt.securityOptions.some((o) => o === `name=${name}` || o.startsWith(`name=${name},`));
}

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

function seccompOpt(p: SecurityProfile | undefined, rt: SecuritySupport, field: string): { opt?: string; error?: string } {
  switch (p?.type) {
    case undefined:
    case 'RuntimeDefault':
      // Unset runs Docker's default profile too: stronger than the kubelet's Unconfined default.
      return supports(rt, 'seccomp') ? {} : { error: `${field}: this device's container runtime has no seccomp, so the RuntimeDefault profile cannot be enforced` };
    case 'Unconfined':
      return { opt: 'seccomp=unconfined' };
    default:
      return { error: `${field}: seccomp profile type ${JSON.stringify(p?.type)} is not supported on this device (RuntimeDefault and Unconfined are)` };
  }
}

function appArmorOpt(type: string | undefined, name: string | undefined, rt: SecuritySupport, field: string): { opt?: string; error?: string } {
  if (type === undefined || type === 'Unconfined') return type === 'Unconfined' && supports(rt, 'apparmor') ? { opt: 'apparmor=unconfined' } : {};
  if (!supports(rt, 'apparmor')) return { error: `${field}: AppArmor is not enabled on this device, so profile ${type} cannot be enforced` };
  if (type === 'RuntimeDefault') return {};
  if (type === 'Localhost' && name) return { opt: `apparmor=${name}` };
  return { error: `${field}: AppArmor profile type ${JSON.stringify(type)} is not supported` };
}

/** The AppArmor profile of a container: field, else the legacy annotation, else the pod's. */
function appArmorOf(pod: Pod, c: Container): { type?: string; name?: string; field: string } {
  const own = c.securityContext?.appArmorProfile;
  if (own?.type) return { type: own.type, ...(own.localhostProfile ? { name: own.localhostProfile } : {}), field: `container "${c.name}" securityContext.appArmorProfile` };
  const annotation = pod.metadata.annotations?.[`${APPARMOR_ANNOTATION}${c.name}`];
  if (annotation) {
    const field = `annotation ${APPARMOR_ANNOTATION}${c.name}`;
    if (annotation === 'runtime/default') return { type: 'RuntimeDefault', field };
    if (annotation === 'unconfined') return { type: 'Unconfined', field };
    if (annotation.startsWith('localhost/')) return { type: 'Localhost', name: annotation.slice('localhost/'.length), field };
    return { type: annotation, field };
  }
  const podLevel = pod.spec.securityContext?.appArmorProfile;
  if (podLevel?.type) return { type: podLevel.type, ...(podLevel.localhostProfile ? { name: podLevel.localhostProfile } : {}), field: 'pod securityContext.appArmorProfile' };
  return { field: '' };
}

/** net.* sysctls belong to the network namespace (the sandbox's); the rest to each container. */
export function isNetSysctl(name: string): boolean {
  return name.startsWith('net.');
}

/** The Docker settings of an app or init container. */
export function containerSecurity(pod: Pod, c: Container, podDisplay: string, rt: SecuritySupport): SecurityResult {
  const psc = pod.spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const fields: SecurityFields = {};
  const errors: string[] = [];
  const where = `container "${c.name}"`;

  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  const runAsNonRoot = (sc.runAsNonRoot ?? psc.runAsNonRoot) === true;
  if (runAsUser !== undefined) fields.user = runAsGroup !== undefined ? `${runAsUser}:${runAsGroup}` : String(runAsUser);
  if (runAsNonRoot && runAsUser === 0) errors.push(`container's runAsUser breaks non-root policy (pod: "${podDisplay}", container: ${c.name})`);
  let imageUser: ImageUserCheck | undefined;
  if (runAsUser === undefined && (runAsNonRoot || runAsGroup !== undefined)) {
    imageUser = { runAsNonRoot, pod: podDisplay, ...(runAsGroup !== undefined ? { group: runAsGroup } : {}) };
  }

  const groups = [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])];
  if (groups.length > 0) fields.groupAdd = [...new Set(groups)].map(String);
  if (psc.supplementalGroupsPolicy === 'Strict') errors.push('pod securityContext.supplementalGroupsPolicy: Strict is not supported on this device');
  if (sc.readOnlyRootFilesystem === true) fields.readOnlyRootfs = true;

  const opts: string[] = [];
  if (sc.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  if (sc.capabilities?.add?.length) fields.capAdd = [...sc.capabilities.add];
  if (sc.capabilities?.drop?.length) fields.capDrop = [...sc.capabilities.drop];

  const seccompField = sc.seccompProfile ? `${where} securityContext.seccompProfile` : 'pod securityContext.seccompProfile';
  const seccomp = seccompOpt(sc.seccompProfile ?? psc.seccompProfile, rt, seccompField);
  if (seccomp.opt) opts.push(seccomp.opt);
  if (seccomp.error) errors.push(seccomp.error);

  const aa = appArmorOf(pod, c);
  const apparmor = appArmorOpt(aa.type, aa.name, rt, aa.field);
  if (apparmor.opt) opts.push(apparmor.opt);
  if (apparmor.error) errors.push(apparmor.error);

  const selinux = sc.seLinuxOptions ?? psc.seLinuxOptions;
  const labels = selinux ? (['user', 'role', 'type', 'level'] as const).flatMap((k) => (selinux[k] ? [`label=${k}:${selinux[k]}`] : [])) : [];
  if (labels.length > 0) {
    if (supports(rt, 'selinux')) opts.push(...labels);
    else errors.push(`${sc.seLinuxOptions ? where : 'pod'} securityContext.seLinuxOptions: SELinux is not enabled on this device`);
  }
  if (opts.length > 0) fields.securityOpt = opts;

  if (pod.spec.hostPID) fields.pidMode = 'host';
  if (pod.spec.hostIPC) fields.ipcMode = 'host';
  if (pod.spec.shareProcessNamespace) errors.push('spec.shareProcessNamespace is not supported on this device');
  if (pod.spec.hostUsers === false) errors.push('spec.hostUsers: false (user namespaces) is not supported on this device');
  if (sc.windowsOptions?.hostProcess || psc.windowsOptions?.hostProcess) errors.push(`${where} securityContext.windowsOptions.hostProcess: Windows host processes do not run on this device`);
  if (sc.procMount === 'Unmasked') fields.unmaskedProc = true;
  else if (sc.procMount !== undefined && sc.procMount !== 'Default') errors.push(`${where} securityContext.procMount ${JSON.stringify(sc.procMount)} is not supported`);

  const own = (psc.sysctls ?? []).filter((s) => !isNetSysctl(s.name));
  if (own.length > 0) fields.sysctls = Object.fromEntries(own.map((s) => [s.name, s.value ?? '']));
  if (pod.spec.hostNetwork && (psc.sysctls ?? []).some((s) => isNetSysctl(s.name))) {
    errors.push('pod securityContext.sysctls: net.* sysctls cannot be set on a hostNetwork pod (they would change the device\'s own network settings)');
  }

  const out: SecurityResult = { fields };
  if (imageUser) out.imageUser = imageUser;
  if (errors.length > 0) out.error = errors.join('; ');
  return out;
}

/** The sandbox's part: the pod's net.* sysctls. */
export function sandboxSysctls(pod: Pod): Record<string, string> | undefined {
  const net = (pod.spec.securityContext?.sysctls ?? []).filter((s) => isNetSysctl(s.name));
  return net.length > 0 ? Object.fromEntries(net.map((s) => [s.name, s.value ?? ''])) : undefined;
}

/**
 * The user to run as, given the image's configured user: runAsNonRoot refuses root (and users
 * it cannot verify), with the kubelet's messages; runAsGroup joins the image's user.
 */
export function imageUser(check: ImageUserCheck, container: string, configured: string | undefined): { user?: string } | { error: string } {
  const raw = configured ?? '';
  const name = raw.split(':')[0] ?? '';
  if (check.runAsNonRoot) {
    if (name === '' || name === 'root' || (/^\d+$/.test(name) && Number(name) === 0)) {
      return { error: `container has runAsNonRoot and image will run as root (pod: "${check.pod}", container: ${container})` };
    }
    if (!/^\d+$/.test(name)) {
      return { error: `container has runAsNonRoot and image has non-numeric user (${name}), cannot verify user is non-root (pod: "${check.pod}", container: ${container})` };
    }
  }
  if (check.group === undefined) return {};
  return { user: `${name === '' ? '0' : name}:${check.group}` };
}
