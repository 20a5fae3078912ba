/** The machine's kubectl, pointed at the hub's kubeconfig, manages DaemonSets and lists nodes. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { requireService } from '../support/env.js';
import { run, type RunResult } from '../support/run.js';
import { kubectlAvailable } from '../support/flotctl.js';
import { node, TEST_IMAGE } from '../support/fixtures.js';

function dsYaml(name: string, image: string, extraEnv = ''): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}
      containers:
      - name: main
        image: ${image}
        command: [sh, -c, 'while true; do sleep 3600; done']
        env:
        - {name: MODE, value: edge}
${extraEnv}        resources:
          limits: {memory: 64Mi, cpu: 250m}
`;
}


describe('kubectl against the hub', function () {
  let hub: HubHandle;
  let api: Api;
  let dir: string;
  const kubectl = (args: string[], input?: string): Promise<RunResult> =>
    run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { ...(input ? { input } : {}), timeoutMs: 30_000 });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const getDs = async (name: string): Promise<KubeObject> =>
    (await api<KubeObject>(`/apis/apps/v1/namespaces/default/daemonsets/${name}`)).body;
  const containerOf = (ds: KubeObject): { image: string; env?: { name: string; value: string }[] } =>
    ((ds['spec'] as { template: { spec: { containers: { image: string; env?: { name: string; value: string }[] }[] } } }).template.spec
      .containers[0] ?? { image: '' });

  before(async function () {
    await requireService('kubectl', kubectlAvailable, this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    dir = await mkdtemp(join(tmpdir(), 'flotilla-kubectl-'));
  });
  after(async function () {
    await hub?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists nodes', async function () {
    await api('/api/v1/nodes', { method: 'POST', body: node('pi-kitchen', { 'kubernetes.io/arch': 'arm64' }) });
    const out = await ok(['get', 'nodes']);
    assert.match(out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/m);
    assert.match(out, /^pi-kitchen\s/m);
    const json = JSON.parse(await ok(['get', 'nodes', '-o', 'json'])) as { items: KubeObject[] };
    assert.deepEqual(json.items.map((n) => n.metadata.name), ['pi-kitchen']);
  });

  it('applies a DaemonSet (client-side), then updates it by applying again', async function () {
    const file = join(dir, 'ds.yaml');
    await writeFile(file, dsYaml('agentless', TEST_IMAGE));
    assert.match(await ok(['apply', '-f', file]), /daemonset.apps\/agentless created/);
    assert.equal(containerOf(await getDs('agentless')).image, TEST_IMAGE);

    await writeFile(file, dsYaml('agentless', `${TEST_IMAGE.replace(':1.0', ':latest')}`));
    assert.match(await ok(['apply', '-f', file]), /daemonset.apps\/agentless configured/);
    const updated = await getDs('agentless');
    assert.equal(containerOf(updated).image, TEST_IMAGE.replace(':1.0', ':latest'));
    assert.equal(updated.metadata.generation, 2);
    assert.match(await ok(['apply', '-f', file]), /daemonset.apps\/agentless unchanged/);

    const out = await ok(['get', 'daemonsets']);
    assert.match(out, /^agentless\s/m);
  });

  it('applies server-side: creates, updates, and drops a field removed from the manifest', async function () {
    const file = join(dir, 'ds-ssa.yaml');
    await writeFile(file, dsYaml('ssa', TEST_IMAGE, '        - {name: EXTRA, value: "1"}\n'));
    assert.match(await ok(['apply', '--server-side', '-f', file]), /daemonset.apps\/ssa serverside-applied/);
    assert.deepEqual(containerOf(await getDs('ssa')).env?.map((e) => e.name), ['MODE', 'EXTRA']);

    await writeFile(file, dsYaml('ssa', TEST_IMAGE.replace(':1.0', ':latest')));
    await ok(['apply', '--server-side', '-f', file]);
    const c = containerOf(await getDs('ssa'));
    assert.equal(c.image, TEST_IMAGE.replace(':1.0', ':latest'));
    assert.deepEqual(c.env?.map((e) => e.name), ['MODE']);
  });

  it('labels and deletes a DaemonSet', async function () {
    await ok(['label', 'daemonset', 'agentless', 'tier=edge']);
    assert.equal((await getDs('agentless')).metadata.labels?.['tier'], 'edge');
    const refused = await kubectl(['label', 'daemonset', 'agentless', 'tier=core']);
    assert.notEqual(refused.code, 0, 'changing a label needs --overwrite');
    await ok(['label', 'daemonset', 'agentless', 'tier=core', '--overwrite']);
    assert.equal((await getDs('agentless')).metadata.labels?.['tier'], 'core');
    const byLabel = await ok(['get', 'ds', '-l', 'tier=core', '-o', 'name']);
    assert.equal(byLabel.trim(), 'daemonset.apps/agentless');

    assert.match(await ok(['delete', 'daemonset', 'agentless']), /daemonset.apps "agentless" deleted/);
    const missing = await kubectl(['get', 'daemonset', 'agentless']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|not found/);
  });

  it('reports unknown kinds as kubectl users expect', async function () {
    const r = await kubectl(['get', 'services']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /services|Service/);
  });

  it('refuses a misspelt field under --validate=strict (the default) and warns under --validate=warn', async function () {
    const file = join(dir, 'ds-typo.yaml');
    await writeFile(file, dsYaml('typo', TEST_IMAGE, '        imagePullPolcy: IfNotPresent\n'));
    const refused = await kubectl(['apply', '-f', file]);
    assert.notEqual(refused.code, 0, 'a misspelt field is refused');
    assert.match(refused.stderr, /unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/);
    const missing = await api('/apis/apps/v1/namespaces/default/daemonsets/typo');
    assert.equal(missing.status, 404, 'nothing was created');

    const warned = await kubectl(['apply', '--validate=warn', '-f', file]);
    assert.equal(warned.code, 0, `kubectl apply --validate=warn failed:\n${warned.stderr}`);
    assert.match(warned.stdout, /daemonset.apps\/typo created/);
    assert.match(warned.stderr, /Warning: unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/);
    const stored = await getDs('typo');
    assert.equal(containerOf(stored).image, TEST_IMAGE);
    // Dropped from the object, as Kubernetes does (kubectl's last-applied annotation still quotes the file).
    assert.equal('imagePullPolcy' in containerOf(stored), false, 'the unknown field was dropped, not stored');
  });
});
