// flotctl against a real hub: apply/get/label/annotate/describe/delete,
// in-process through main(argv, io) and once as a process (its refusals: flotctl-errors).
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isRecord } from '../../shared/util/guards.js';
import { endpoint, REPO_ROOT, tsEntry } from '../support/hub.js';
import { flotctlRig } from '../support/flotctl.js';
import { apiClient } from '../support/http.js';
import { run } from '../support/run.js';
import { stable, until } from '../support/wait.js';

const EXAMPLE = 'manifests/examples/daemonset-busybox.yaml';
const DS = 'node-exporter-lite';

describe('flotctl against a real hub', function () {
  this.timeout(60_000);
  const { hub: theHub, home, flotctl, ok, fails } = flotctlRig('flotctl-it');

  /** Reads an object straight from the API, not through flotctl. */
  async function apiGet(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await apiClient(endpoint(theHub()))(path);
    const body: unknown = res.body;
    assert.ok(isRecord(body));
    return { status: res.status, body };
  }

  async function dsFromApi(): Promise<Record<string, unknown>> {
    const r = await apiGet(`/apis/apps/v1/namespaces/default/daemonsets/${DS}`);
    assert.equal(r.status, 200);
    return r.body;
  }

  function metaOf(o: Record<string, unknown>): Record<string, unknown> {
    assert.ok(isRecord(o.metadata));
    return o.metadata;
  }

  function imageOf(o: Record<string, unknown>): unknown {
    const spec = o.spec;
    assert.ok(isRecord(spec) && isRecord(spec.template) && isRecord(spec.template.spec) && Array.isArray(spec.template.spec.containers));
    const c: unknown = spec.template.spec.containers[0];
    assert.ok(isRecord(c));
    return c.image;
  }

  describe('apply', () => {
    it('creates the example DaemonSet', async () => {
      const r = await ok(['apply', '-f', EXAMPLE]);
      assert.equal(r.stdout, `daemonset.apps/${DS} created\n`);
      const ds = await dsFromApi();
      assert.equal(imageOf(ds), '127.0.0.1:5000/flotilla/busybox:1.0');
    });

    it('applying the same manifest again is unchanged and keeps the resourceVersion', async () => {
      // The DaemonSet controller writes status and its rollout view first.
      const before = await stable('DaemonSet written by its controller', async () => metaOf(await dsFromApi()).resourceVersion);
      const r = await ok(['apply', '-f', EXAMPLE]);
      assert.equal(r.stdout, `daemonset.apps/${DS} unchanged\n`);
      assert.equal(metaOf(await dsFromApi()).resourceVersion, before);
    });

    it('a changed image tag is configured and the hub holds the new value', async () => {
      const text = await readFile(join(REPO_ROOT, EXAMPLE), 'utf8');
      const dir = join(home(), 'changed');
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await writeFile(join(dir, 'ds.yaml'), text.replace('busybox:1.0', 'busybox:latest'));
      const r = await ok(['apply', '-f', dir]);
      assert.equal(r.stdout, `daemonset.apps/${DS} configured\n`);
      assert.equal(imageOf(await dsFromApi()), '127.0.0.1:5000/flotilla/busybox:latest');
    });

    it('reads - from stdin (back to the original tag)', async () => {
      const text = await readFile(join(REPO_ROOT, EXAMPLE), 'utf8');
      const r = await ok(['apply', '-f', '-'], { stdin: text });
      assert.equal(r.stdout, `daemonset.apps/${DS} configured\n`);
      assert.equal(imageOf(await dsFromApi()), '127.0.0.1:5000/flotilla/busybox:1.0');
    });

    it('--dry-run=server changes nothing', async () => {
      const before = await stable('DaemonSet written by its controller', async () => metaOf(await dsFromApi()).resourceVersion);
      const text = (await readFile(join(REPO_ROOT, EXAMPLE), 'utf8')).replace('busybox:1.0', 'busybox:dry');
      const r = await ok(['apply', '--dry-run', 'server', '-f', '-'], { stdin: text });
      assert.match(r.stdout, /^daemonset\.apps\/node-exporter-lite (configured|unchanged) \(server dry run\)\n$/);
      const after = await dsFromApi();
      assert.equal(metaOf(after).resourceVersion, before);
      assert.equal(imageOf(after), '127.0.0.1:5000/flotilla/busybox:1.0');
    });

    it('a bad YAML document fails with file, document and line, and nothing from the file is created', async () => {
      const file = join(home(), 'bad.yaml');
      await writeFile(
        file,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: should-not-exist\n  namespace: default\ndata:\n  a: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\n data: [oops\n',
      );
      const r = await fails(['apply', '-f', file]);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: .*bad\.yaml: document 2: YAML syntax error at line \d+, column \d+: /);
      assert.equal((await apiGet('/api/v1/namespaces/default/configmaps/should-not-exist')).status, 404);
    });

    it('a manifest without metadata.name is refused before sending', async () => {
      const r = await fails(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' });
      assert.equal(r.stderr, 'error: STDIN: document 1: metadata.name is required\n');
    });

    it('an unserved kind is refused with advice, and nothing is sent', async () => {
      const r = await fails(['apply', '-f', '-'], {
        stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: also-not-created}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n',
      });
      assert.match(r.stderr, /^error: STDIN: document 2: Flotilla does not serve kind Deployment: /);
      assert.equal((await apiGet('/api/v1/namespaces/default/configmaps/also-not-created')).status, 404);
    });

    it('server-side validation errors come back as Error from server (Invalid)', async () => {
      const r = await fails(['apply', '-f', '-'], {
        stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Valid_Name\n',
      });
      assert.match(r.stderr, /^Error from server \((Invalid|BadRequest)\): error when creating "STDIN": /);
    });
  });

  describe('get', () => {
    it('prints the kubectl table (server-side printed)', async () => {
      const r = await ok(['get', 'ds']);
      const [header, row, extra] = r.stdout.split('\n');
      assert.match(header ?? '', /^NAME {17}DESIRED {3}CURRENT {3}READY {3}UP-TO-DATE {3}AVAILABLE {3}NODE SELECTOR {3}AGE$/);
      assert.match(row ?? '', /^node-exporter-lite {3}0 {9}0 {9}0 {7}0 {12}0 {11}<none> {10}\d+s$/);
      assert.equal(extra, '');
    });

    it('accepts kubectl kind names: daemonsets.apps, daemonset, DS/NAME', async () => {
      for (const args of [['daemonsets.apps'], ['daemonset', DS], [`ds/${DS}`]]) {
        const r = await ok(['get', ...args, '--no-headers']);
        assert.match(r.stdout, /^node-exporter-lite /);
      }
    });

    it('-o wide adds CONTAINERS, IMAGES, SELECTOR', async () => {
      const r = await ok(['get', 'ds', '-o', 'wide']);
      assert.match(r.stdout.split('\n')[0] ?? '', /AGE {3}CONTAINERS {3}IMAGES {30,}SELECTOR$/);
      assert.match(r.stdout.split('\n')[1] ?? '', /busybox {6}127\.0\.0\.1:5000\/flotilla\/busybox:1\.0 {3}app=node-exporter-lite$/);
    });

    it('-o yaml and -o json give the object (a List for a list), without managedFields', async () => {
      const y: unknown = parseYaml((await ok(['get', 'ds', DS, '-o', 'yaml'])).stdout);
      assert.ok(isRecord(y));
      assert.equal(y.kind, 'DaemonSet');
      assert.equal(metaOf(y).name, DS);
      assert.equal(metaOf(y).managedFields, undefined);
      const j: unknown = JSON.parse((await ok(['get', 'daemonsets', '-o', 'json'])).stdout);
      assert.ok(isRecord(j) && Array.isArray(j.items));
      assert.equal(j.kind, 'List');
      const first: unknown = j.items[0];
      assert.ok(isRecord(first));
      assert.equal(first.kind, 'DaemonSet');
      assert.equal(first.apiVersion, 'apps/v1');
    });

    it('-o name', async () => {
      assert.equal((await ok(['get', 'ds', '-o', 'name'])).stdout, `daemonset.apps/${DS}\n`);
    });

    it('-l selects by label; nothing matching says so on stderr', async () => {
      assert.match((await ok(['get', 'ds', '-l', 'app=node-exporter-lite'])).stdout, /\nnode-exporter-lite /);
      const none = await ok(['get', 'ds', '-l', 'app=nothing']);
      assert.equal(none.stdout, '');
      assert.equal(none.stderr, 'No resources found in default namespace.\n');
      const other = await ok(['-n', 'kube-system', 'get', 'ds']);
      assert.equal(other.stderr, 'No resources found in kube-system namespace.\n');
    });

    it('--field-selector', async () => {
      assert.match((await ok(['get', 'ds', '--field-selector', `metadata.name=${DS}`, '-o', 'name'])).stdout, /node-exporter-lite/);
      assert.equal((await ok(['get', 'ds', '--field-selector', 'metadata.name=other', '-o', 'name'])).stdout, '');
    });

    it('-A adds the NAMESPACE column', async () => {
      const r = await ok(['get', 'ds', '-A']);
      assert.match(r.stdout.split('\n')[0] ?? '', /^NAMESPACE {3}NAME {17}DESIRED/);
      assert.match(r.stdout.split('\n')[1] ?? '', /^default {5}node-exporter-lite {3}/);
    });

    it('cluster-scoped kinds: namespaces', async () => {
      const r = await ok(['get', 'ns']);
      assert.match(r.stdout, /^NAME {2,}STATUS {3}AGE\n/);
      assert.match(r.stdout, /\ndefault {2,}Active {3}\S+\n/);
    });

    it('--watch prints the list, then changes as they come, until interrupted', async () => {
      const stop = new AbortController();
      let resolveSeen: () => void = () => undefined;
      const seenUpdate = new Promise<void>((r) => (resolveSeen = r));
      let lines = 0;
      const watching = flotctl(['get', 'ds', '-w'], {
        signal: stop.signal,
        onStdout: (all) => {
          lines = all.split('\n').length - 1;
          if (lines >= 3) resolveSeen();
        },
      });
      // Wait for the header and the first row, then change the object.
      await until('the header and the first row', () => lines >= 2, 5000, 50);
      assert.equal(lines, 2, 'list printed before the change');
      await ok(['label', 'ds', DS, 'watched=yes']);
      await seenUpdate;
      stop.abort();
      const r = await watching;
      assert.equal(r.code, 0);
      const out = r.stdout.split('\n');
      assert.match(out[0] ?? '', /^NAME {2,}DESIRED/);
      assert.match(out[2] ?? '', /^node-exporter-lite {3}0 /);
      await ok(['label', 'ds', DS, 'watched-']);
    });
  });

  describe('label and annotate', () => {
    it('label adds, refuses to change without --overwrite, changes with it, removes', async () => {
      assert.equal((await ok(['label', 'ds', DS, 'tier=edge'])).stdout, `daemonset.apps/${DS} labeled\n`);
      const refused = await fails(['label', 'ds', DS, 'tier=core']);
      assert.equal(refused.stderr, "error: 'tier' already has a value (edge), and --overwrite is false\n");
      assert.equal((metaOf(await dsFromApi()).labels as Record<string, string>).tier, 'edge');
      await ok(['label', 'ds', DS, 'tier=core', '--overwrite']);
      assert.equal((metaOf(await dsFromApi()).labels as Record<string, string>).tier, 'core');
      assert.equal((await ok(['label', `daemonsets/${DS}`, 'tier-'])).stdout, `daemonset.apps/${DS} unlabeled\n`);
      const labels = metaOf(await dsFromApi()).labels as Record<string, string>;
      assert.equal('tier' in labels, false);
      assert.equal(labels.app, DS);
    });

    it('label refuses invalid keys and values before sending', async () => {
      assert.match((await fails(['label', 'ds', DS, 'bad key=x'])).stderr, /^error: invalid key "bad key"/);
      assert.match((await fails(['label', 'ds', DS, 'k=not valid'])).stderr, /^error: invalid label value/);
    });

    it('annotate adds, refuses to change without --overwrite, changes with it, removes', async () => {
      assert.equal((await ok(['annotate', 'ds', DS, 'flotilla.dev/note=first one'])).stdout, `daemonset.apps/${DS} annotated\n`);
      const refused = await fails(['annotate', 'ds', DS, 'flotilla.dev/note=second']);
      assert.equal(
        refused.stderr,
        "error: --overwrite is false but found the following declared annotation(s): 'flotilla.dev/note' already has a value (first one)\n",
      );
      await ok(['annotate', 'ds', DS, 'flotilla.dev/note=second', '--overwrite']);
      assert.equal((metaOf(await dsFromApi()).annotations as Record<string, string>)['flotilla.dev/note'], 'second');
      await ok(['annotate', 'ds', DS, 'flotilla.dev/note-']);
      const annotations = (metaOf(await dsFromApi()).annotations ?? {}) as Record<string, string>;
      assert.equal('flotilla.dev/note' in annotations, false);
    });
  });

  describe('describe', () => {
    it('describes the DaemonSet', async () => {
      await ok(['annotate', 'ds', DS, 'owner=fleet-team']);
      const r = await ok(['describe', 'ds', DS]);
      assert.match(r.stdout, /^Name: {11}node-exporter-lite\n/);
      assert.match(r.stdout, /\nNamespace: {6}default\n/);
      assert.match(r.stdout, /\nSelector: {7}app=node-exporter-lite\n/);
      assert.match(r.stdout, /\nLabels: {9}app=node-exporter-lite\n/);
      // Sorted after the hub's own annotations (template generation, rollout status).
      assert.match(r.stdout, /\nAnnotations: {4}deprecated\.daemonset\.template\.generation: \d+\n/);
      assert.match(r.stdout, /\n\s+owner: fleet-team\n/);
      assert.match(r.stdout, /\nDesired Number of Nodes Scheduled: 0\n/);
      assert.match(r.stdout, /\nPod Template:\n {2}Labels: {2}app=node-exporter-lite\n {2}Containers:\n {3}busybox:\n {4}Image: +127\.0\.0\.1:5000\/flotilla\/busybox:1\.0\n/);
      assert.match(r.stdout, /\n {4}Command:\n {6}sh\n {6}-c\n {6}while true; do sleep 3600; done\n/);
      assert.match(r.stdout, /\n {4}Limits:\n {6}cpu: +100m\n {6}memory: +32Mi\n/);
      assert.match(r.stdout, /\n {2}Tolerations: +node-role\.kubernetes\.io\/edge:NoSchedule op=Exists\n/);
      // No node runs it: the controller reports the (empty) rollout complete.
      assert.match(r.stdout, /\nEvents:\n.*\n.*\n +Normal +RolloutComplete +\S+ +daemonset-controller +revision \w+ rolled out: 0 updated\n$/);
    });

    it('describes a namespace and a configmap', async () => {
      assert.match((await ok(['describe', 'namespace', 'default'])).stdout, /^Name: +default\nLabels: .*\nAnnotations: +<none>\nStatus: +Active\n/);
      await ok(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {interval: "30", mode: fast}\n' });
      const r = await ok(['describe', 'cm', 'settings']);
      assert.match(r.stdout, /\nData\n====\ninterval:\n----\n30\n\nmode:\n----\nfast\n/);
      await ok(['delete', 'configmap', 'settings']);
    });

    it('describes a PodDisruptionBudget with the status its controller computed', async () => {
      await ok(['apply', '-f', '-'], {
        stdin: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: keep-one}\nspec: {minAvailable: 1, selector: {matchLabels: {app: nothing-here}}}\n',
      });
      const r = await ok(['describe', 'pdb', 'keep-one']);
      assert.match(r.stdout, /^Name: +keep-one\nNamespace: +default\nMin available: +1\nSelector: +app=nothing-here\nStatus:\n {4}Allowed disruptions: +0\n {4}Current: +0\n {4}Desired: +1\n {4}Total: +0\n/);
      await ok(['delete', 'pdb', 'keep-one']);
    });

    it('a missing object is NotFound', async () => {
      const r = await fails(['describe', 'ds', 'nope']);
      assert.equal(r.stderr, 'Error from server (NotFound): daemonsets.apps "nope" not found\n');
    });
  });

  describe('delete', () => {
    it('deletes by name; deleting again is NotFound unless --ignore-not-found', async () => {
      const r = await ok(['delete', 'ds', DS]);
      assert.equal(r.stdout, `daemonset.apps "${DS}" deleted\n`);
      assert.equal((await apiGet(`/apis/apps/v1/namespaces/default/daemonsets/${DS}`)).status, 404);
      const again = await fails(['delete', 'ds', DS]);
      assert.equal(again.stderr, `Error from server (NotFound): daemonsets.apps "${DS}" not found\n`);
      const ignored = await ok(['delete', 'ds', DS, '--ignore-not-found']);
      assert.equal(ignored.stdout, '');
    });

    it('deletes what a manifest names (-f)', async () => {
      await ok(['apply', '-f', EXAMPLE]);
      const r = await ok(['delete', '-f', EXAMPLE]);
      assert.equal(r.stdout, `daemonset.apps "${DS}" deleted\n`);
      assert.equal((await apiGet(`/apis/apps/v1/namespaces/default/daemonsets/${DS}`)).status, 404);
    });
  });

  describe('as a process', () => {
    it('node --import tsx server/flotctl/main.ts: KUBECONFIG from the environment, exit codes', async () => {
      const { cmd, args } = tsEntry('server/flotctl/main.ts');
      const env = { ...process.env, KUBECONFIG: theHub().kubeconfig, HOME: home() };
      const applied = await run(cmd, [...args, 'apply', '-f', EXAMPLE], { env, cwd: REPO_ROOT });
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, `daemonset.apps/${DS} created\n`);
      const got = await run(cmd, [...args, 'get', 'daemonsets', '-n', 'default'], { env, cwd: REPO_ROOT });
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stdout, /^NAME {2,}DESIRED .*\nnode-exporter-lite /);
      const missing = await run(cmd, [...args, 'get', 'pods', 'nope'], { env, cwd: REPO_ROOT });
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
      const deleted = await run(cmd, [...args, 'delete', `ds/${DS}`], { env, cwd: REPO_ROOT });
      assert.equal(deleted.code, 0, deleted.stderr);
    });
  });
});
