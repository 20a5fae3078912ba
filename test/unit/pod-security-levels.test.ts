import assert from 'node:assert/strict';
import {
  checkPolicyLabels,
  enforcedPolicy,
  evaluatePod,
  podViewOf,
  violationMessage,
  type PodSecurityLevel,
} from '../../shared/api/pod-security/index.js';
import type { Container, Pod, PodSpec } from '../../shared/api/types/index.js';

/** A pod that passes restricted; each row changes one thing. */
function restrictedPod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
    },
  };
}

type Edit = (spec: PodSpec, c: Container, pod: Pod) => void;
const ctx = (c: Container): NonNullable<Container['securityContext']> => (c.securityContext ??= {});

interface Row {
  name: string;
  edit: Edit;
  /** The lowest level that refuses it (restricted: only restricted). */
  refusedAt: Exclude<PodSecurityLevel, 'privileged'>;
  /** The message part at that level. */
  part: string;
  field: string;
}

const ROWS: Row[] = [
  { name: 'hostNetwork', edit: (s) => (s.hostNetwork = true), refusedAt: 'baseline', part: 'host namespaces (hostNetwork=true)', field: 'spec.hostNetwork' },
  { name: 'hostPID and hostIPC', edit: (s) => ((s.hostPID = true), (s.hostIPC = true)), refusedAt: 'baseline', part: 'host namespaces (hostPID=true, hostIPC=true)', field: 'spec.hostPID' },
  { name: 'privileged', edit: (_s, c) => (ctx(c).privileged = true), refusedAt: 'baseline', part: 'privileged (container "app" must not set securityContext.privileged=true)', field: 'spec.containers[0].securityContext.privileged' },
  {
    name: 'hostProcess',
    edit: (s) => (s.securityContext = { ...s.securityContext, windowsOptions: { hostProcess: true } }),
    refusedAt: 'baseline',
    part: 'hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
    field: 'spec.securityContext.windowsOptions.hostProcess',
  },
  {
    name: 'SYS_ADMIN added',
    edit: (_s, c) => (ctx(c).capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] }),
    refusedAt: 'baseline',
    part: 'non-default capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
    field: 'spec.containers[0].securityContext.capabilities.add',
  },
  {
    name: 'CHOWN added (baseline default set)',
    edit: (_s, c) => (ctx(c).capabilities = { drop: ['ALL'], add: ['CHOWN'] }),
    refusedAt: 'restricted',
    part: 'unrestricted capabilities (container "app" must not include "CHOWN" in securityContext.capabilities.add)',
    field: 'spec.containers[0].securityContext.capabilities.add',
  },
  {
    name: 'no drop ALL',
    edit: (_s, c) => (ctx(c).capabilities = {}),
    refusedAt: 'restricted',
    part: 'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])',
    field: 'spec.containers[0].securityContext.capabilities.drop',
  },
  { name: 'hostPath', edit: (s) => s.volumes?.push({ name: 'root', hostPath: { path: '/' } }), refusedAt: 'baseline', part: 'hostPath volumes (volume "root")', field: 'spec.volumes[1].hostPath' },
  {
    name: 'hostPort',
    edit: (_s, c) => (c.ports = [{ containerPort: 80, hostPort: 8080 }]),
    refusedAt: 'baseline',
    part: 'hostPort (container "app" uses hostPort 8080)',
    field: 'spec.containers[0].ports[0].hostPort',
  },
  {
    name: 'AppArmor unconfined annotation',
    edit: (_s, _c, p) => (p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }),
    refusedAt: 'baseline',
    part: 'forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/app="unconfined")',
    field: 'metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]',
  },
  {
    name: 'AppArmor Unconfined field',
    edit: (_s, c) => (ctx(c).appArmorProfile = { type: 'Unconfined' }),
    refusedAt: 'baseline',
    part: 'forbidden AppArmor profile (container "app" securityContext.appArmorProfile.type="Unconfined")',
    field: 'spec.containers[0].securityContext.appArmorProfile.type',
  },
  {
    name: 'SELinux type and user',
    edit: (_s, c) => (ctx(c).seLinuxOptions = { type: 'spc_t', user: 'root' }),
    refusedAt: 'baseline',
    part: 'seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
    field: 'spec.containers[0].securityContext.seLinuxOptions.type',
  },
  {
    name: 'procMount Unmasked',
    edit: (_s, c) => (ctx(c).procMount = 'Unmasked'),
    refusedAt: 'baseline',
    part: 'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
    field: 'spec.containers[0].securityContext.procMount',
  },
  {
    name: 'seccomp Unconfined on a container',
    edit: (_s, c) => (ctx(c).seccompProfile = { type: 'Unconfined' }),
    refusedAt: 'baseline',
    part: 'seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")',
    field: 'spec.containers[0].securityContext.seccompProfile.type',
  },
  {
    name: 'unsafe sysctl',
    edit: (s) => (s.securityContext = { ...s.securityContext, sysctls: [{ name: 'kernel.msgmax', value: '1' }] }),
    refusedAt: 'baseline',
    part: 'forbidden sysctls (kernel.msgmax)',
    field: 'spec.securityContext.sysctls[0].name',
  },
  { name: 'no seccomp profile', edit: (s) => delete s.securityContext?.seccompProfile, refusedAt: 'restricted', part: 'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")', field: 'spec.securityContext.seccompProfile.type' },
  {
    name: 'allowPrivilegeEscalation unset',
    edit: (_s, c) => delete ctx(c).allowPrivilegeEscalation,
    refusedAt: 'restricted',
    part: 'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
    field: 'spec.containers[0].securityContext.allowPrivilegeEscalation',
  },
  { name: 'runAsNonRoot unset', edit: (s) => delete s.securityContext?.runAsNonRoot, refusedAt: 'restricted', part: 'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)', field: 'spec.securityContext.runAsNonRoot' },
  {
    name: 'runAsNonRoot false on a container',
    edit: (_s, c) => (ctx(c).runAsNonRoot = false),
    refusedAt: 'restricted',
    part: 'runAsNonRoot != true (container "app" must not set securityContext.runAsNonRoot=false)',
    field: 'spec.containers[0].securityContext.runAsNonRoot',
  },
  { name: 'runAsUser 0', edit: (s) => (s.securityContext = { ...s.securityContext, runAsUser: 0 }), refusedAt: 'restricted', part: 'runAsUser=0 (pod must not set runAsUser=0)', field: 'spec.securityContext.runAsUser' },
];

describe('pod security: the checks of each level (table)', () => {
  it('the base pod passes every level', () => {
    for (const level of ['privileged', 'baseline', 'restricted'] as const) assert.deepEqual(evaluatePod(podViewOf(restrictedPod()), level, 32), []);
  });

  for (const row of ROWS) {
    it(`${row.name}: refused from ${row.refusedAt} up, naming ${row.field}`, () => {
      const pod = restrictedPod();
      const c = pod.spec.containers[0];
      assert.ok(c);
      row.edit(pod.spec, c, pod);
      const view = podViewOf(pod);
      assert.deepEqual(evaluatePod(view, 'privileged', 32), []);
      const baseline = evaluatePod(view, 'baseline', 32);
      if (row.refusedAt === 'restricted') assert.deepEqual(baseline, [], 'baseline allows it');
      const at = row.refusedAt === 'baseline' ? baseline : evaluatePod(view, 'restricted', 32);
      const message = violationMessage({ level: row.refusedAt, version: { minor: 32, latest: true } }, at);
      assert.equal(message, `violates PodSecurity "${row.refusedAt}:latest": ${row.part}`);
      assert.ok(at.some((v) => v.fields.includes(row.field)), `fields ${JSON.stringify(at.map((v) => v.fields))}`);
      // What baseline refuses, restricted refuses too.
      assert.notDeepEqual(evaluatePod(view, 'restricted', 32), []);
    });
  }

  it('restricted replaces the baseline hostPath check by its volume-type check', () => {
    const pod = restrictedPod();
    pod.spec.volumes?.push({ name: 'root', hostPath: { path: '/' } });
    const v = evaluatePod(podViewOf(pod), 'restricted', 32);
    assert.deepEqual(v.map((x) => x.reason), ['restricted volume types']);
    assert.equal(v[0]?.detail, 'volume "root" uses restricted volume type "hostPath"');
  });

  it('reports every violation, in Kubernetes order, with plural wording', () => {
    const pod = restrictedPod();
    pod.spec.hostNetwork = true;
    pod.spec.containers.push({ name: 'b', image: 'x', securityContext: { privileged: true } });
    const first = pod.spec.containers[0];
    assert.ok(first);
    first.securityContext = { privileged: true };
    const v = evaluatePod(podViewOf(pod), 'baseline', 32);
    assert.equal(
      violationMessage({ level: 'baseline', version: { minor: 32, latest: true } }, v),
      'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), privileged (containers "app", "b" must not set securityContext.privileged=true)',
    );
  });

  it('older versions leave out the checks they did not have', () => {
    const pod = restrictedPod();
    pod.spec.securityContext = { ...pod.spec.securityContext, runAsUser: 0, sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] };
    assert.deepEqual(evaluatePod(podViewOf(pod), 'restricted', 22).map((v) => v.reason), ['forbidden sysctls']);
    assert.deepEqual(evaluatePod(podViewOf(pod), 'restricted', 29).map((v) => v.reason), ['runAsUser=0']);
  });
});

describe('pod security: namespace labels', () => {
  it('the enforce label chooses the level; the hub default applies without it', () => {
    assert.deepEqual(enforcedPolicy(undefined, 'baseline'), { level: 'baseline', version: { minor: 32, latest: true } });
    assert.equal(enforcedPolicy({ 'pod-security.kubernetes.io/enforce': 'privileged' }, 'baseline').level, 'privileged');
    const pinned = enforcedPolicy({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.25' }, 'baseline');
    assert.deepEqual(pinned, { level: 'restricted', version: { minor: 25, latest: false }, versionLabel: 'v1.25' });
  });

  it('invalid labels are refused on the namespace and evaluate as restricted:latest', () => {
    const bad = { 'pod-security.kubernetes.io/enforce': 'lax', 'pod-security.kubernetes.io/warn-version': '1.25' };
    assert.deepEqual(
      checkPolicyLabels(bad).map((p) => p.field),
      ['metadata.labels[pod-security.kubernetes.io/enforce]', 'metadata.labels[pod-security.kubernetes.io/warn-version]'],
    );
    assert.deepEqual(enforcedPolicy(bad, 'privileged'), { level: 'restricted', version: { minor: 32, latest: true } });
  });
});
