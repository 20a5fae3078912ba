/**
 * Pod Security admission on a real hub: the namespace's `pod-security.kubernetes.io/enforce`
 * label (else the hub's default, baseline) refuses Pods and DaemonSet pod templates with a
 * 403 Status naming the level and the field, and nothing is stored.
 */
import assert from 'node:assert/strict';
import type { Status } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { daemonSet, pod } from '../support/fixtures.js';

const ns = (name: string, level?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(level ? { labels: { 'pod-security.kubernetes.io/enforce': level } } : {}) },
});

function withSpec(obj: KubeObject, edit: (spec: Record<string, unknown>) => void): KubeObject {
  const copy = structuredClone(obj);
  edit(copy['spec'] as Record<string, unknown>);
  return copy;
}

const hostNetwork = (name: string): KubeObject => withSpec(pod(name), (s) => (s['hostNetwork'] = true));
const hostPathRoot = (name: string): KubeObject => withSpec(pod(name), (s) => (s['volumes'] = [{ name: 'root', hostPath: { path: '/' } }]));
const privileged = (name: string): KubeObject =>
  withSpec(pod(name), (s) => ((s['containers'] as Record<string, unknown>[])[0] = { name: 'main', image: 'x', securityContext: { privileged: true } }));

describe('pod security admission: namespaces choose the level (real hub)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    for (const [name, level] of [['psa-priv', 'privileged'], ['psa-restricted', 'restricted']] as const) {
      assert.equal((await api(`/api/v1/namespaces`, { method: 'POST', body: ns(name, level) })).status, 201);
    }
  });
  after(async () => hub?.dispose());

  async function refused(path: string, body: KubeObject, message: string, field: string): Promise<void> {
    const res = await api<Status>(path, { method: 'POST', body });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.reason, 'Forbidden');
    assert.equal(res.body.message, message);
    assert.ok(res.body.details?.causes?.some((c) => c.field === field), `causes ${JSON.stringify(res.body.details?.causes)}`);
    const name = body.metadata.name ?? '';
    assert.equal((await api(`${path}/${name}`)).status, 404, 'nothing stored');
  }

  it('the default namespace is baseline: hostNetwork refused with Kubernetes\' message', async () => {
    await refused('/api/v1/namespaces/default/pods', hostNetwork('hn'), 'pods "hn" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)', 'spec.hostNetwork');
  });

  it('hostPath to / and privileged are refused under baseline', async () => {
    await refused('/api/v1/namespaces/default/pods', hostPathRoot('root'), 'pods "root" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "root")', 'spec.volumes[0].hostPath');
    await refused(
      '/api/v1/namespaces/default/pods',
      privileged('priv'),
      'pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "main" must not set securityContext.privileged=true)',
      'spec.containers[0].securityContext.privileged',
    );
  });

  it('a privileged namespace admits them', async () => {
    for (const p of [hostNetwork('hn'), hostPathRoot('root'), privileged('priv')]) {
      const res = await api('/api/v1/namespaces/psa-priv/pods', { method: 'POST', body: p });
      assert.equal(res.status, 201, res.text);
    }
  });

  it('a restricted namespace refuses a plain pod, naming every missing setting', async () => {
    const res = await api<Status>('/api/v1/namespaces/psa-restricted/pods', { method: 'POST', body: pod('plain') });
    assert.equal(res.status, 403);
    assert.match(res.body.message, /^pods "plain" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false .*unrestricted capabilities .*runAsNonRoot != true .*seccompProfile /);
    const ok = withSpec(pod('hardened'), (s) => {
      s['securityContext'] = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } };
      (s['containers'] as Record<string, unknown>[])[0] = { name: 'main', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } };
    });
    assert.equal((await api('/api/v1/namespaces/psa-restricted/pods', { method: 'POST', body: ok })).status, 201);
  });

  it('a DaemonSet whose pod template violates the level is refused (Kubernetes only warns)', async () => {
    const ds = daemonSet('ds-hostnet');
    const template = (ds['spec'] as { template: { spec: Record<string, unknown> } }).template;
    template.spec['hostPID'] = true;
    await refused(
      '/apis/apps/v1/namespaces/default/daemonsets',
      ds,
      'daemonsets.apps "ds-hostnet" is forbidden: pod template violates PodSecurity "baseline:latest": host namespaces (hostPID=true)',
      'spec.template.spec.hostPID',
    );
  });

  it('an update that adds a violation is refused; the stored object is unchanged', async () => {
    const ds = daemonSet('ds-upd');
    assert.equal((await api('/apis/apps/v1/namespaces/default/daemonsets', { method: 'POST', body: ds })).status, 201);
    const patch = { spec: { template: { spec: { volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] } } } };
    const res = await api<Status>('/apis/apps/v1/namespaces/default/daemonsets/ds-upd', { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
    assert.equal(res.status, 403, res.text);
    assert.match(res.body.message, /hostPath volumes \(volume "sock"\)/);
    const stored = await api<KubeObject>('/apis/apps/v1/namespaces/default/daemonsets/ds-upd');
    assert.equal(JSON.stringify(stored.body).includes('docker.sock'), false);
  });

  it('tightening a namespace does not block label updates of pods admitted before', async () => {
    assert.equal((await api('/api/v1/namespaces', { method: 'POST', body: ns('psa-tighten', 'privileged') })).status, 201);
    assert.equal((await api('/api/v1/namespaces/psa-tighten/pods', { method: 'POST', body: hostNetwork('old') })).status, 201);
    const label = { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } };
    assert.equal((await api('/api/v1/namespaces/psa-tighten', { method: 'PATCH', body: label, contentType: 'application/merge-patch+json' })).status, 200);
    const res = await api('/api/v1/namespaces/psa-tighten/pods/old', { method: 'PATCH', body: { metadata: { labels: { x: 'y' } } }, contentType: 'application/merge-patch+json' });
    assert.equal(res.status, 200, res.text);
  });

  it('an invalid level on a namespace is a 422 naming the label', async () => {
    const res = await api<Status>('/api/v1/namespaces', { method: 'POST', body: ns('psa-bad', 'lax') });
    assert.equal(res.status, 422, res.text);
    assert.ok(res.body.details?.causes?.some((c) => c.field === 'metadata.labels[pod-security.kubernetes.io/enforce]'));
  });
});

describe('pod security admission: the hub-wide default (--pod-security-default)', function () {
  this.timeout(60_000);
  let hub: HubHandle;

  before(async () => {
    hub = await startHub({ extraArgs: ['--pod-security-default', 'restricted'] });
  });
  after(async () => hub?.dispose());

  it('unlabelled namespaces get the default level', async () => {
    const api = apiClient(endpoint(hub));
    const res = await api<Status>('/api/v1/namespaces/default/pods', { method: 'POST', body: pod('plain') });
    assert.equal(res.status, 403);
    assert.match(res.body.message, /violates PodSecurity "restricted:latest"/);
  });
});
