/** The store on a real temp dir: compaction on a schedule, indexes, reopen, datafiles read back as nedb wrote them. */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/util/logger.js';
import { ObjectStore } from '../../server/store/object-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { configMap, pod } from '../support/fixtures.js';
import { until } from '../support/wait.js';

async function lines(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
}

describe('object store (datafiles on disk)', function () {
  let dir: string;
  let clock: FakeClock;
  let store: ObjectStore;
  const open = (): Promise<ObjectStore> =>
    ObjectStore.open({ dir, resources: ['configmaps', 'pods'], clock, logger: silentLogger, compactionIntervalMs: 60_000, watchHistory: 100 });

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-store-'));
    clock = new FakeClock();
    store = await open();
  });
  afterEach(async function () {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('compacts its append-only datafiles when the interval comes round', async function () {
    const cm = configMap('churn');
    cm.metadata.namespace = 'default';
    await store.create('configmaps', cm);
    for (let i = 0; i < 50; i++) {
      await store.mutate('configmaps', 'default', 'churn', (cur) => ({ next: { ...cur, data: { i: String(i) } } }));
    }
    const file = join(dir, 'configmaps.db');
    assert.ok((await lines(file)) > 50, 'every update appends a line');
    clock.advance(60_000);
    // Compaction runs under the write lock; wait until the file holds one line per live document.
    await until('compaction', async () => ((await lines(file)) === 1 ? true : undefined));
    const after = await store.get('configmaps', 'default', 'churn');
    assert.deepEqual(after?.['data'], { i: '49' });
    await until('the next compaction to be scheduled', () => (clock.pendingTimers === 1 ? true : undefined));
  });

  it('reads its datafiles back as nedb did: the last line of an object wins, deletions hold, index lines and a torn last write are skipped', async function () {
    for (const name of ['a', 'b']) {
      const cm = configMap(name);
      cm.metadata.namespace = 'default';
      await store.create('configmaps', cm);
    }
    await store.mutate('configmaps', 'default', 'a', (cur) => ({ next: { ...cur, data: { v: '2' } } }));
    await store.mutate('configmaps', 'default', 'b', () => ({ remove: true }));
    const rv = store.currentRv();
    await store.close();
    const file = join(dir, 'configmaps.db');
    await appendFile(file, '{"$$indexCreated":{"fieldName":"ns","unique":false,"sparse":false}}\n{"_id":"default/torn","json":"{\\"kind');
    store = await open();
    assert.deepEqual((await store.list('configmaps')).items.map((o) => [o.metadata.name, o['data']]), [['a', { v: '2' }]]);
    assert.equal(store.currentRv(), rv);
  });

  it('recovers a datafile left as FILE~ by a crash mid-compaction, and refuses one that is mostly unreadable, naming it', async function () {
    const cm = configMap('kept');
    cm.metadata.namespace = 'default';
    await store.create('configmaps', cm);
    await store.close();
    const file = join(dir, 'configmaps.db');
    await rename(file, `${file}~`);
    store = await open();
    assert.equal((await store.get('configmaps', 'default', 'kept'))?.metadata.name, 'kept');
    await store.close();

    const good = (await readFile(file, 'utf8')).split('\n')[0] ?? '';
    await writeFile(file, `${good}\nnot json\n{"no":"id"}\n[1]\n`);
    await assert.rejects(open(), (e: unknown) => e instanceof Error && e.message.includes('configmaps.db') && e.message.includes('3 of 4 lines'));
    store = await ObjectStore.open({ dir: join(dir, 'fresh'), resources: ['configmaps'], clock, logger: silentLogger, compactionIntervalMs: 60_000, watchHistory: 100 });
  });

  it('answers node-scoped pod queries from the spec.nodeName index and survives reopen', async function () {
    for (const [name, node] of [['a', 'n1'], ['b', 'n2'], ['c', 'n1']] as const) {
      const p = pod(name, { nodeName: node });
      p.metadata.namespace = 'default';
      await store.create('pods', p);
    }
    const rvBefore = store.currentRv();
    await store.close();
    store = await open();
    assert.equal(store.currentRv(), rvBefore);
    const { items } = await store.list('pods', { index: { column: 'nodeName', value: 'n1' } });
    assert.deepEqual(items.map((p) => p.metadata.name), ['a', 'c']);
  });

  it('pages a list by key, counting what remains, with or without a filter, as objects or as JSON text', async function () {
    for (const [ns, name] of [['a', 'x'], ['b', 'p'], ['b', 'q'], ['b', 'r'], ['c', 'y']] as const) {
      const cm = configMap(name, { team: name === 'q' ? 'blue' : 'red' });
      cm.metadata.namespace = ns;
      cm.metadata.labels = { team: name === 'q' ? 'blue' : 'red' };
      await store.create('configmaps', cm);
    }
    const keys = (r: { items: { metadata: { namespace?: string; name?: string } }[] }): string[] => r.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    const first = await store.list('configmaps', {}, { limit: 2 });
    assert.deepEqual(keys(first), ['a/x', 'b/p']);
    assert.deepEqual(first.more, { lastKey: 'b/p', remaining: 3 });
    const rest = await store.list('configmaps', {}, { limit: 2, after: 'b/p' });
    assert.deepEqual(keys(rest), ['b/q', 'b/r']);
    assert.deepEqual(rest.more, { lastKey: 'b/r', remaining: 1 });
    const inNs = await store.list('configmaps', { namespace: 'b' }, { limit: 1 });
    assert.deepEqual(inNs.more, { lastKey: 'b/p', remaining: 2 }, 'a namespace counts only its own keys');
    const red = await store.list('configmaps', {}, { limit: 1, matches: (o) => o.metadata.labels?.['team'] === 'red' });
    assert.deepEqual(red.more, { lastKey: 'a/x', remaining: 3 }, 'a filtered list counts only what matches');
    const text = await store.listJson('configmaps', { namespace: 'b' }, { limit: 2 });
    assert.deepEqual(text.items.map((j) => JSON.parse(j) as unknown), (await store.list('configmaps', { namespace: 'b' }, { limit: 2 })).items);
    assert.deepEqual(text.more, { lastKey: 'b/q', remaining: 1 });
  });
});
