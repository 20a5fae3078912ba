/**
 * The controller runtime against a real ObjectStore (nedb in a temp dir) on fake time: keys are
 * de-duplicated, a failing reconcile, watch mapping or initial list is logged and retried with
 * backoff, nothing escapes as an unhandled rejection, and stop() leaves no timer behind.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceName, SERVED_KINDS } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { BackoffPolicy } from '../../shared/reconcile/backoff.js';
import { silentLogger, type LogFields, type Logger } from '../../shared/util/logger.js';
import { ControllerRuntime, type Controller, type WatchableStore } from '../../server/controllers/runtime/index.js';
import { ObjectStore } from '../../server/store/object-store.js';
import { FakeClock } from '../support/fake-clock.js';

/** With random() = 0.5 and jitter 0.5, retry n waits 0.75 × 1000 × 2^n ms. */
const POLICY: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.5 };

interface Line {
  level: string;
  msg: string;
  fields: LogFields;
}

function capturingLogger(lines: Line[], base: LogFields = {}): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields: { ...base, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => capturingLogger(lines, { ...base, ...f }) };
}

const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}` }, spec: {} });

function pod(name: string, nodeName: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName, containers: [{ name: 'main', image: 'busybox' }], ...extra },
  };
}

/** Lets promise chains (reconciles, store writes) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('controller runtime (real store on disk, fake time)', function () {
  let dir: string;
  let store: ObjectStore;
  /** The runtime's clock; the store has its own so its compaction timer is not counted. */
  let clock: FakeClock;
  let lines: Line[];
  let runtime: ControllerRuntime | undefined;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown): void => void rejections.push(e);

  before(() => process.on('unhandledRejection', onRejection));
  after(() => process.off('unhandledRejection', onRejection));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-runtime-'));
    store = await ObjectStore.open({
      dir,
      resources: SERVED_KINDS.map(resourceName),
      clock: new FakeClock(),
      logger: silentLogger,
      compactionIntervalMs: 24 * 3_600_000,
      watchHistory: 1000,
    });
    clock = new FakeClock();
    lines = [];
    rejections.length = 0;
  });

  afterEach(async () => {
    runtime?.stop();
    runtime = undefined;
    await store.close();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(rejections, [], 'no unhandled rejection');
  });

  function start(controllers: Controller[], s: WatchableStore = store): Promise<void> {
    runtime = new ControllerRuntime(controllers, { store: s, clock, logger: capturingLogger(lines), backoff: POLICY, random: () => 0.5 });
    return runtime.start();
  }

  it('retries a failing reconcile with exponential backoff and logs each failure with its reconcile id', async () => {
    const runs: number[] = [];
    const t0 = clock.now().getTime();
    await store.create('nodes', node('n1'));
    await start([
      {
        name: 'flaky',
        kind: 'Node',
        reconcile(key) {
          runs.push(clock.now().getTime() - t0);
          return runs.length <= 2 ? Promise.reject(new Error(`conflict on ${key}`)) : Promise.resolve();
        },
      },
    ]);
    await runtime?.idle();
    assert.deepEqual(runs, [0]);
    clock.advance(749);
    await runtime?.idle();
    assert.deepEqual(runs, [0], 'not before the backoff');
    clock.advance(1);
    await runtime?.idle();
    assert.deepEqual(runs, [0, 750]);
    clock.advance(1500);
    await runtime?.idle();
    assert.deepEqual(runs, [0, 750, 2250], 'the second retry waits twice as long');
    clock.advance(60_000);
    await runtime?.idle();
    assert.equal(runs.length, 3, 'success ends the retries');

    const failures = lines.filter((l) => l.msg === 'reconcile failed');
    assert.deepEqual(
      failures.map((l) => [l.level, l.fields['controller'], l.fields['key'], l.fields['error'], l.fields['retryInMs'], l.fields['attempt']]),
      [
        ['warn', 'flaky', 'n1', 'conflict on n1', 750, 1],
        ['warn', 'flaky', 'n1', 'conflict on n1', 1500, 2],
      ],
    );
    const ids = failures.map((l) => l.fields['reconcileId']);
    assert.ok(ids.every((id) => typeof id === 'number') && ids[0] !== ids[1], `distinct reconcile ids: ${JSON.stringify(ids)}`);
  });

  it('de-duplicates keys: many changes while a reconcile runs give one more run, not one each', async () => {
    await store.create('nodes', node('n1'));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    await start([
      {
        name: 'pods-per-node',
        kind: 'Node',
        watches: [{ kind: 'Pod', map: (e) => [String((e.object['spec'] as { nodeName?: string } | undefined)?.nodeName ?? '')] }],
        async reconcile(key, { cache }) {
          seen.push(`${key}:${cache.podsOnNode(key).length}`);
          await gate;
        },
      },
    ]);
    await flush();
    assert.deepEqual(seen, ['n1:0'], 'the start-up run is in flight');
    for (let i = 0; i < 5; i++) await store.create('pods', pod(`p${i}`, 'n1'));
    await flush();
    assert.deepEqual(seen, ['n1:0'], 'a key never runs twice at once');
    release();
    await runtime?.idle();
    assert.deepEqual(seen, ['n1:0', 'n1:5'], 'five changes, one run, which sees all five pods');
  });

  it('a failing watch mapping does not fail the write or crash; it is logged and retried with backoff', async () => {
    await store.create('nodes', node('n1'));
    let broken = true;
    const reconciled: string[] = [];
    await start([
      {
        name: 'config-users',
        kind: 'Node',
        watches: [
          {
            kind: 'ConfigMap',
            // Reads the store, as a mapping that cannot use the cache would; the read fails while `broken`.
            async map(e) {
              if (broken) throw new Error('store unavailable');
              const { items } = await store.list('pods', { namespace: e.object.metadata.namespace ?? '' });
              return items.map((p) => String((p['spec'] as { nodeName?: string } | undefined)?.nodeName ?? ''));
            },
          },
        ],
        reconcile(key) {
          reconciled.push(key);
          return Promise.resolve();
        },
      },
    ]);
    await runtime?.idle();
    reconciled.length = 0;
    await store.create('pods', pod('p1', 'n1'));
    const cm = await store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } });
    assert.equal(cm.metadata.name, 'cfg', 'the write that triggered the mapping succeeded');
    await runtime?.idle();
    assert.deepEqual(reconciled, []);
    clock.advance(750);
    await runtime?.idle();
    assert.deepEqual(reconciled, [], 'still failing');
    broken = false;
    clock.advance(1500);
    await runtime?.idle();
    assert.deepEqual(reconciled, ['n1'], 'retried after backoff, then the key was reconciled');
    const failures = lines.filter((l) => l.msg === 'watch mapping failed');
    assert.deepEqual(
      failures.map((l) => [l.fields['controller'], l.fields['kind'], l.fields['object'], l.fields['error'], l.fields['retryInMs']]),
      [
        ['config-users', 'ConfigMap', 'default/cfg', 'store unavailable', 750],
        ['config-users', 'ConfigMap', 'default/cfg', 'store unavailable', 1500],
      ],
    );
  });

  it('retries a failing initial list, then starts', async () => {
    await store.create('nodes', node('n1'));
    let failures = 1;
    const flaky: WatchableStore = {
      list: (resource) => (failures-- > 0 ? Promise.reject(new Error('disk busy')) : store.list(resource)),
      watch: (fromRv, l) => store.watch(fromRv, l),
    };
    const reconciled: string[] = [];
    let started = false;
    void start(
      [
        {
          name: 'nodes',
          kind: 'Node',
          reconcile: (key) => {
            reconciled.push(key);
            return Promise.resolve();
          },
        },
      ],
      flaky,
    ).then(() => (started = true));
    await flush();
    assert.equal(started, false);
    assert.deepEqual(lines.filter((l) => l.msg === 'cache sync failed').map((l) => [l.fields['error'], l.fields['retryInMs']]), [['disk busy', 750]]);
    await store.create('nodes', node('n2'));
    clock.advance(750);
    await runtime?.idle();
    assert.equal(started, true);
    assert.deepEqual(reconciled, ['n1', 'n2'], 'every node, including one created during the retry');
  });

  it('keeps its indexes current: pods by node, by referenced ConfigMap/Secret, objects by owner', async () => {
    await start([{ name: 'noop', kind: 'Node', reconcile: () => Promise.resolve() }]);
    const cache = runtime?.cache;
    assert.ok(cache);
    const owner = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'ds-uid', controller: true }];
    await store.create('pods', {
      ...pod('a', 'n1', {
        volumes: [{ name: 'c', configMap: { name: 'cfg' } }],
        imagePullSecrets: [{ name: 'pull' }],
      }),
      metadata: { name: 'a', namespace: 'default', uid: 'uid-a', ownerReferences: owner },
    });
    await store.create('pods', pod('b', 'n1', { containers: [{ name: 'm', image: 'busybox', envFrom: [{ secretRef: { name: 'env' } }] }] }));
    const names = (pods: KubeObject[]): string[] => pods.map((p) => p.metadata.name ?? '');
    assert.deepEqual(names(cache.podsOnNode('n1')), ['a', 'b']);
    assert.deepEqual(names(cache.podsReferencing('ConfigMap', 'default', 'cfg')), ['a']);
    assert.deepEqual(names(cache.podsReferencing('Secret', 'default', 'pull')), ['a']);
    assert.deepEqual(names(cache.podsReferencing('Secret', 'default', 'env')), ['b']);
    assert.deepEqual(names(cache.ownedBy('ds-uid', 'Pod')), ['a']);
    assert.deepEqual(cache.podsReferencing('ConfigMap', 'other', 'cfg'), [], 'references are namespaced');
    await store.mutate('pods', 'default', 'b', (cur) => ({ next: { ...cur, metadata: { ...(cur.metadata as object), labels: { app: 'relay', tier: 'edge' } } } }));
    assert.deepEqual(names(cache.podsLabelled('default', 'app', ['relay'])), ['b']);
    assert.deepEqual(names(cache.podsLabelled('default', 'app', ['relay', 'other'])), ['b']);
    assert.deepEqual(names(cache.podsLabelled('default', 'tier')), ['b']);
    assert.deepEqual(cache.podsLabelled('default', 'app', ['other']), []);
    assert.deepEqual(cache.podsLabelled('kube-system', 'app', ['relay']), [], 'labels are looked up per namespace');

    await store.mutate('pods', 'default', 'a', (cur) => ({ next: { ...cur, spec: { ...(cur['spec'] as object), nodeName: 'n2', volumes: [] } } }));
    assert.deepEqual(names(cache.podsOnNode('n1')), ['b'], 'moved off n1 as soon as the write returned');
    assert.deepEqual(names(cache.podsOnNode('n2')), ['a']);
    assert.deepEqual(cache.podsReferencing('ConfigMap', 'default', 'cfg'), []);
    await store.mutate('pods', 'default', 'b', () => ({ remove: true }));
    assert.deepEqual(cache.podsOnNode('n1'), []);
    assert.deepEqual(cache.podsLabelled('default', 'app', ['relay']), [], 'gone from the label index');
    assert.deepEqual(cache.podsReferencing('Secret', 'default', 'env'), []);
  });

  it('stop() cancels every timer: requeues, reconcile retries and mapping retries', async () => {
    await store.create('nodes', node('later'));
    await store.create('nodes', node('failing'));
    await start([
      {
        name: 'timers',
        kind: 'Node',
        watches: [{ kind: 'Node', map: (e) => [e.object.metadata.name ?? ''] }, { kind: 'Secret', map: () => Promise.reject(new Error('nope')) }],
        reconcile: (key) => (key === 'failing' ? Promise.reject(new Error('nope')) : Promise.resolve({ requeueAfterMs: 10_000 })),
      },
    ]);
    await store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } });
    await runtime?.idle();
    assert.equal(clock.pendingTimers, 3, 'a requeue, a reconcile retry and a mapping retry are pending');
    runtime?.stop();
    assert.equal(clock.pendingTimers, 0);
    await store.create('nodes', node('after-stop'));
    await flush();
    assert.equal(clock.pendingTimers, 0, 'stopped: changes no longer wake it');
  });
});
