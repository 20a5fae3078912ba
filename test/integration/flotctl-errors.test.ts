// flotctl's refusals against a real hub: unknown kinds, missing objects, bad credentials and
// kubeconfigs, an absent hub, usage errors: exit code 1 and a kubectl-like message, no stack trace.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flotctlRig } from '../support/flotctl.js';

const EXAMPLE = 'manifests/examples/daemonset-busybox.yaml';
const DS = 'node-exporter-lite';

describe('flotctl errors against a real hub', function () {
  this.timeout(60_000);
  const { hub: theHub, home, ok, fails } = flotctlRig('flotctl-errors');

  before(async () => {
    await ok(['apply', '-f', EXAMPLE]);
  });

  it('an unknown kind exits 1 with a message', async () => {
    assert.equal((await fails(['get', 'foos'])).stderr, 'error: the server doesn\'t have a resource type "foos"\n');
    assert.match((await fails(['get', 'deployments'])).stderr, /^error: Flotilla does not serve kind Deployment: run one copy per device with apps\/v1 DaemonSet/);
    assert.match((await fails(['get', 'svc'])).stderr, /^error: Flotilla does not serve kind Service: /);
  });

  it('a missing object exits 1 with NotFound', async () => {
    const r = await fails(['get', 'ds', 'nope']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'Error from server (NotFound): daemonsets.apps "nope" not found\n');
  });

  it('several names: the found ones print, the missing ones fail', async () => {
    const r = await fails(['get', 'ds', DS, 'nope', '-o', 'name']);
    assert.equal(r.stdout, `daemonset.apps/${DS}\n`);
    assert.equal(r.stderr, 'Error from server (NotFound): daemonsets.apps "nope" not found\n');
  });

  it('a wrong token is Unauthorized', async () => {
    const text = (await readFile(theHub().kubeconfig, 'utf8')).replace(theHub().token, 'wrong-token');
    const file = join(home(), 'wrong-kubeconfig');
    await writeFile(file, text);
    const r = await fails(['--kubeconfig', file, 'get', 'ns']);
    assert.match(r.stderr, /^Error from server \(Unauthorized\): /);
  });

  it('a bad kubeconfig names the file and the field', async () => {
    const file = join(home(), 'bad-kubeconfig');
    await writeFile(file, 'apiVersion: v1\nkind: Config\nclusters:\n  - name: x\n    cluster: {}\n');
    const r = await fails(['--kubeconfig', file, 'get', 'ns']);
    assert.equal(r.stderr, `error: invalid kubeconfig ${file}: clusters[0].cluster.server: is required\n`);
  });

  it('a hub that is not there is a clear error', async () => {
    const text = (await readFile(theHub().kubeconfig, 'utf8')).replace(theHub().apiUrl, 'http://127.0.0.1:1');
    const file = join(home(), 'nowhere-kubeconfig');
    await writeFile(file, text);
    const r = await fails(['--kubeconfig', file, 'get', 'ns']);
    assert.match(r.stderr, /^error: the connection to the server 127\.0\.0\.1:1 was refused/);
  });

  it('an unknown flag or verb is a usage error (exit 1)', async () => {
    assert.match((await fails(['get', 'ds', '--bogus'])).stderr, /unknown option '--bogus'/);
    assert.match((await fails(['frobnicate'])).stderr, /unknown command 'frobnicate'/);
  });
});
