import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planObjects } from '../../server/flotctl/commands/apply.js';
import { CliError } from '../../server/flotctl/errors.js';
import { loadManifests, parseManifests, STDIN_SOURCE, type ManifestDoc } from '../../server/flotctl/manifests.js';

const CM = (name: string, ns?: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data:\n  k: v\n`;

async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CliError, `a CliError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

function throwsWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CliError, `a CliError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('flotctl manifests: parsing', () => {
  it('reads multi-document YAML, skipping empty documents, numbering documents from 1 (a leading --- starts the first)', () => {
    const docs = parseManifests(`---\n${CM('a')}---\n# only a comment\n---\n${CM('b')}`, 'x.yaml');
    assert.deepEqual(
      docs.map((d) => [d.object.metadata.name, d.document, d.source]),
      [
        ['a', 1, 'x.yaml'],
        ['b', 3, 'x.yaml'],
      ],
    );
    assert.deepEqual(docs[0]?.object.data, { k: 'v' });
  });

  it('reads JSON', () => {
    const docs = parseManifests(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } }), 'x.json');
    assert.equal(docs.length, 1);
    assert.equal(docs[0]?.object.kind, 'Secret');
  });

  it('flattens List kinds (List, ConfigMapList) with item positions', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
      ],
    };
    const docs = parseManifests(`${CM('first')}---\n${JSON.stringify(list)}\n---\n${JSON.stringify({ ...list, kind: 'ConfigMapList' })}`, 'l.yaml');
    assert.deepEqual(
      docs.map((d) => `${d.object.metadata.name}@${d.document}.${d.item ?? '-'}`),
      ['first@1.-', 'a@2.1', 'b@2.2', 'a@3.1', 'b@3.2'],
    );
  });

  it('names file and document for a document that is not a map', () => {
    throwsWith(() => parseManifests(`${CM('a')}---\n- just\n- a list\n`, 'bad.yaml'), /^bad\.yaml: document 2: a manifest must be a map/);
    throwsWith(() => parseManifests('hello\n', 'bad.yaml'), /^bad\.yaml: document 1: a manifest must be a map.*"hello"/);
  });

  it('requires apiVersion, kind and metadata.name', () => {
    throwsWith(() => parseManifests('kind: ConfigMap\nmetadata: {name: a}\n', 'f.yaml'), /^f\.yaml: document 1: apiVersion is required$/);
    throwsWith(() => parseManifests('apiVersion: v1\nmetadata: {name: a}\n', 'f.yaml'), /^f\.yaml: document 1: kind is required$/);
    throwsWith(() => parseManifests('apiVersion: v1\nkind: ConfigMap\n', 'f.yaml'), /^f\.yaml: document 1: metadata is required/);
    throwsWith(() => parseManifests(`${CM('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n`, 'f.yaml'), /^f\.yaml: document 2: metadata\.name is required$/);
  });

  it('a bad item in a List is reported with its position', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { kind: 'ConfigMap' }] });
    throwsWith(() => parseManifests(list, 'l.json'), /^l\.json: document 1, item 2: apiVersion is required$/);
  });

  it('reports YAML syntax errors with the line number', () => {
    const text = `${CM('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n data: oops\n`;
    throwsWith(() => parseManifests(text, 'syntax.yaml'), /^syntax\.yaml: document 2: YAML syntax error at line 12, column \d+: /);
    throwsWith(() => parseManifests('a: [1, 2\n', 's.yaml'), /^s\.yaml: document 1: YAML syntax error at line \d+/);
  });

  it('refuses duplicate keys', () => {
    throwsWith(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n', 'd.yaml'), /d\.yaml: document 1: YAML syntax error at line 3/);
  });
});

describe('flotctl manifests: sources', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotctl-manifests-'));
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd', 'b.yaml'), CM('from-b'));
    await writeFile(join(dir, 'd', 'a.yml'), CM('from-a'));
    await writeFile(join(dir, 'd', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-c' } }));
    await writeFile(join(dir, 'd', 'README.md'), '# not a manifest');
    await mkdir(join(dir, 'd', 'nested'));
    await writeFile(join(dir, 'd', 'nested', 'z.yaml'), CM('nested'));
    await writeFile(join(dir, 'one.yaml'), CM('one'));
    await writeFile(join(dir, 'bad.yaml'), `${CM('fine')}---\nnot: [closed\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const noStdin = (): Promise<string> => Promise.reject(new Error('stdin must not be read'));

  it('a directory gives its *.yaml/*.yml/*.json files sorted by name, not recursing', async () => {
    const docs = await loadManifests(['d'], { readStdin: noStdin, cwd: dir });
    assert.deepEqual(
      docs.map((d) => d.object.metadata.name),
      ['from-a', 'from-b', 'from-c'],
    );
    assert.equal(docs[0]?.source, join('d', 'a.yml'));
  });

  it('repeated -f keep their order; - reads stdin once', async () => {
    let reads = 0;
    const stdin = (): Promise<string> => {
      reads++;
      return Promise.resolve(CM('piped'));
    };
    const docs = await loadManifests(['one.yaml', '-', join(dir, 'd', 'c.json')], { readStdin: stdin, cwd: dir });
    assert.deepEqual(
      docs.map((d) => [d.object.metadata.name, d.source]),
      [
        ['one', 'one.yaml'],
        ['piped', STDIN_SOURCE],
        ['from-c', join(dir, 'd', 'c.json')],
      ],
    );
    assert.equal(reads, 1);
    await rejectsWith(loadManifests(['-', '-'], { readStdin: stdin, cwd: dir }), /stdin\) may be given only once/);
  });

  it('one bad file fails the whole load, naming it', async () => {
    await rejectsWith(loadManifests(['one.yaml', 'bad.yaml'], { readStdin: noStdin, cwd: dir }), /^bad\.yaml: document 2: YAML syntax error at line (8|9), column \d+: /);
  });

  it('a missing path is reported', async () => {
    await rejectsWith(loadManifests(['nope.yaml'], { readStdin: noStdin, cwd: dir }), /the path ".*nope\.yaml" does not exist/);
  });
});

describe('flotctl manifests: planning apply', () => {
  const doc = (yaml: string, document = 1): ManifestDoc => {
    const d = parseManifests(yaml, 'p.yaml')[0];
    assert.ok(d);
    return { ...d, document };
  };

  it('fills the namespace of namespaced kinds and leaves cluster-scoped ones alone', () => {
    const planned = planObjects([doc(CM('a')), doc(CM('b', 'prod')), doc('apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n')], 'default', false);
    assert.deepEqual(
      planned.map((p) => [p.object.metadata.name, p.namespace, p.object.metadata.namespace]),
      [
        ['a', 'default', 'default'],
        ['b', 'prod', 'prod'],
        ['prod', undefined, undefined],
      ],
    );
  });

  it('refuses an object from another namespace than an explicit -n', () => {
    throwsWith(() => planObjects([doc(CM('b', 'prod'))], 'dev', true), /the namespace from the provided object "prod" does not match the namespace "dev"/);
  });

  it('lists every unserved kind with advice before anything is sent', () => {
    const deploy = doc('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n', 1);
    const oldDs = doc('apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: ds}\n', 2);
    assert.throws(
      () => planObjects([deploy, oldDs, doc(CM('ok'), 3)], 'default', false),
      (e: unknown) => {
        assert.ok(e instanceof CliError);
        const lines = e.message.split('\n');
        assert.equal(lines.length, 2);
        assert.match(lines[0] ?? '', /^p\.yaml: document 1: Flotilla does not serve kind Deployment: run one copy per device with apps\/v1 DaemonSet/);
        assert.match(lines[1] ?? '', /^p\.yaml: document 2: extensions\/v1beta1 DaemonSet was retired by Kubernetes: use apiVersion apps\/v1/);
        return true;
      },
    );
  });
});
