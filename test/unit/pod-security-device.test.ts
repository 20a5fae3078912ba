import assert from 'node:assert/strict';
import { deviceRefusal, type DevicePodSecurity } from '../../agent/reconcile/device-policy.js';
import { containerSecurity, imageUser } from '../../agent/reconcile/security-context.js';
import { hostPathRefusal, type HostPathPolicy } from '../../agent/volumes/host-path-policy.js';
import type { Container, Pod, PodSpec } from '../../shared/api/types/index.js';

const PROTECTED: HostPathPolicy['protected'] = [
  { path: '/', what: 'the root file system' },
  { path: '/var/lib/flotilla-agent', what: "the agent's data directory" },
  { path: '/var/run/docker.sock', what: 'the Docker socket' },
];

describe('device policy: host paths (table)', () => {
  const rows: { path: string; allowed: string[]; ok: boolean; mentions?: RegExp }[] = [
    { path: '/srv/data', allowed: [], ok: false, mentions: /allows no host paths/ },
    { path: '/srv/data', allowed: ['/srv'], ok: true },
    { path: '/srv/data/../../etc', allowed: ['/srv'], ok: false, mentions: /not inside/ },
    { path: '/srvx', allowed: ['/srv'], ok: false },
    { path: '/', allowed: ['/srv'], ok: false, mentions: /root file system/ },
    { path: '/', allowed: ['/'], ok: false, mentions: /data directory/ },
    { path: '/', allowed: ['/', '/var/lib/flotilla-agent', '/var/run/docker.sock'], ok: true },
    { path: '/etc', allowed: ['/'], ok: true },
    { path: '/var/run/docker.sock', allowed: ['/var'], ok: false, mentions: /Docker socket/ },
    { path: '/var/run', allowed: ['/var'], ok: false, mentions: /Docker socket/ },
    { path: '/var/run/docker.sock', allowed: ['/var/run/docker.sock'], ok: true },
    { path: '/var/lib/flotilla-agent/identity', allowed: ['/var/lib'], ok: false, mentions: /data directory/ },
    { path: '/var/lib', allowed: ['/var/lib'], ok: false, mentions: /data directory/ },
    { path: '/var/lib/other', allowed: ['/var/lib'], ok: true },
    { path: 'relative', allowed: ['/'], ok: false, mentions: /not absolute/ },
  ];
  for (const r of rows) {
    it(`${r.path} with allowedHostPaths ${JSON.stringify(r.allowed)}: ${r.ok ? 'allowed' : 'refused'}`, () => {
      const why = hostPathRefusal(r.path, { allowed: r.allowed, protected: PROTECTED });
      if (r.ok) assert.equal(why, undefined);
      else {
        assert.notEqual(why, undefined);
        if (r.mentions) assert.match(why ?? '', r.mentions);
      }
    });
  }
});

function pod(spec: Partial<PodSpec>, container: Partial<Container> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'app', image: 'busybox', ...container }], ...spec } };
}

describe('device policy: level and host paths decide whether a pod runs', () => {
  const baseline: DevicePodSecurity = { level: 'baseline', hostPaths: { allowed: ['/srv'], protected: PROTECTED } };
  const privileged: DevicePodSecurity = { level: 'privileged', hostPaths: { allowed: ['/srv'], protected: PROTECTED } };

  it('baseline refuses hostNetwork, naming the field and the setting', () => {
    const why = deviceRefusal(pod({ hostNetwork: true }), baseline);
    assert.match(why ?? '', /PodSecurity "baseline" \(agent setting podSecurityLevel\): host namespaces \(hostNetwork=true\); fields: spec\.hostNetwork/);
  });
  it('privileged runs hostNetwork, but a hostPath only inside the allow-list', () => {
    assert.equal(deviceRefusal(pod({ hostNetwork: true, volumes: [{ name: 'd', hostPath: { path: '/srv/d' } }] }), privileged), undefined);
    const why = deviceRefusal(pod({ volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }] }), privileged);
    assert.match(why ?? '', /^spec\.volumes\[0\]\.hostPath \(volume "sock"\): .*Docker socket/);
  });
});

describe('securityContext → Docker settings', () => {
  const rt = { securityOptions: ['name=seccomp,profile=default'] };
  it('maps users, groups, capabilities, no-new-privileges, read-only root, host namespaces and sysctls', () => {
    const p = pod(
      { hostPID: true, hostIPC: true, securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [4000], sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }, { name: 'net.ipv4.ping_group_range', value: '0 1' }] } },
      { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, seccompProfile: { type: 'Unconfined' }, procMount: 'Unmasked' } },
    );
    const c = p.spec.containers[0];
    assert.ok(c);
    const r = containerSecurity(p, c, 'p_default(u)', rt);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.fields, {
      user: '1000:2000',
      groupAdd: ['4000', '3000'],
      readOnlyRootfs: true,
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges', 'seccomp=unconfined'],
      pidMode: 'host',
      ipcMode: 'host',
      unmaskedProc: true,
      sysctls: { 'kernel.shm_rmid_forced': '1' },
    });
  });

  const refused: { name: string; p: Pod; mentions: RegExp }[] = [
    { name: 'seccomp Localhost', p: pod({ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' } } }), mentions: /pod securityContext\.seccompProfile: .*Localhost.* not supported/ },
    { name: 'AppArmor without AppArmor', p: pod({}, { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }), mentions: /appArmorProfile: AppArmor is not enabled/ },
    { name: 'SELinux without SELinux', p: pod({}, { securityContext: { seLinuxOptions: { type: 'container_t' } } }), mentions: /seLinuxOptions: SELinux is not enabled/ },
    { name: 'runAsNonRoot with runAsUser 0', p: pod({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }), mentions: /runAsUser breaks non-root policy/ },
    { name: 'shareProcessNamespace', p: pod({ shareProcessNamespace: true }), mentions: /shareProcessNamespace/ },
    { name: 'net sysctl with hostNetwork', p: pod({ hostNetwork: true, securityContext: { sysctls: [{ name: 'net.ipv4.ping_group_range', value: '0 1' }] } }), mentions: /net\.\* sysctls/ },
  ];
  for (const r of refused) {
    it(`cannot enforce ${r.name}: a configError, never a weaker container`, () => {
      const c = r.p.spec.containers[0];
      assert.ok(c);
      assert.match(containerSecurity(r.p, c, 'p_default(u)', rt).error ?? '', r.mentions);
    });
  }

  it('seccomp RuntimeDefault needs seccomp in the runtime', () => {
    const p = pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
    const c = p.spec.containers[0];
    assert.ok(c);
    assert.equal(containerSecurity(p, c, 'x', rt).error, undefined);
    assert.match(containerSecurity(p, c, 'x', { securityOptions: [] }).error ?? '', /no seccomp/);
  });

  it('runAsNonRoot without runAsUser leaves the decision to the image\'s user (kubelet messages)', () => {
    const check = { runAsNonRoot: true, pod: 'p_default(u)' };
    assert.deepEqual(imageUser(check, 'app', ''), { error: 'container has runAsNonRoot and image will run as root (pod: "p_default(u)", container: app)' });
    assert.ok('error' in imageUser(check, 'app', '0:0'));
    assert.ok('error' in imageUser(check, 'app', 'root'));
    assert.match(JSON.stringify(imageUser(check, 'app', 'nobody')), /non-numeric user \(nobody\)/);
    assert.deepEqual(imageUser(check, 'app', '1000'), {});
    assert.deepEqual(imageUser({ ...check, group: 50 }, 'app', '1000:1000'), { user: '1000:50' });
  });
});
