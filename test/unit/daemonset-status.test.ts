import assert from 'node:assert/strict';
import type { Eligibility } from '../../server/controllers/daemonset/eligibility.js';
import { planManage, type BackoffEntry } from '../../server/controllers/daemonset/manage.js';
import { podsByNode } from '../../server/controllers/daemonset/pods.js';
import { canonicalJson, planRevisions, revisionData, revisionTemplate, templateHash } from '../../server/controllers/daemonset/revisions.js';
import { mergeConditions, statusCounts } from '../../server/controllers/daemonset/status.js';
import type { DaemonPodView, RevisionView } from '../../server/controllers/daemonset/view.js';
import { revisionView } from '../../server/controllers/daemonset/observe.js';
import { decodeDaemonSet, isDecodeError, type ControllerRevision } from '../../shared/api/types/index.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { T0, pod, sec, starting, template } from './daemonset-fixtures.js';

const RUN: Eligibility = { wantToRun: true, shouldRun: true, shouldContinueRunning: true };
const KEEP: Eligibility = { wantToRun: false, shouldRun: false, shouldContinueRunning: true };
const GONE: Eligibility = { wantToRun: false, shouldRun: false, shouldContinueRunning: false };

describe('daemonset: status counts (updateDaemonSetStatus)', () => {
  it('counts desired, current, updated, ready, available, unavailable and misscheduled as Kubernetes does', () => {
    const nodes = new Map<string, Eligibility>([
      ['a', RUN], ['b', RUN], ['c', RUN], ['d', RUN], ['e', KEEP], ['f', GONE], ['g', RUN],
    ]);
    const pods: DaemonPodView[] = [
      pod('a1', 'a', 'new'), // updated, ready, available
      pod('b1', 'b', 'old', { readySince: sec(-5) }), // ready, not yet available (minReadySeconds 10)
      starting('c1', 'c', 'new', 5), // updated, not ready
      // d: no pod
      pod('e1', 'e', 'old'), // misscheduled (tolerated NoSchedule came later)
      pod('f1', 'f', 'old'), // misscheduled
      pod('g2', 'g', 'new', { createdAt: sec(-10) }), // two pods: the oldest decides
      { ...starting('g1', 'g', 'old', 100) },
    ];
    const c = statusCounts(nodes, podsByNode(pods), 'new', undefined, 10, sec(0));
    assert.deepEqual(c, {
      desiredNumberScheduled: 5, currentNumberScheduled: 4, updatedNumberScheduled: 2, numberReady: 2,
      numberAvailable: 1, numberUnavailable: 4, numberMisscheduled: 2,
    });
  });

  it('a pod with the current template generation counts as updated (pods from before hashes)', () => {
    const c = statusCounts(new Map([['a', RUN]]), podsByNode([pod('a1', 'a', 'x', { templateGeneration: '3' })]), 'new', 3, 0, sec(0));
    assert.equal(c.updatedNumberScheduled, 1);
  });

  it('conditions keep lastTransitionTime while their status stays', () => {
    const prev = [{ type: 'Progressing', status: 'True' as const, reason: 'RollingUpdate', message: 'a', lastTransitionTime: 't0', lastUpdateTime: 't0' }];
    const same = mergeConditions(prev, [{ type: 'Progressing', status: 'True', reason: 'RollingUpdate', message: 'a' }], 't1');
    assert.deepEqual([same[0]?.lastTransitionTime, same[0]?.lastUpdateTime], ['t0', 't0']);
    const moved = mergeConditions(prev, [{ type: 'Progressing', status: 'True', reason: 'RolloutComplete', message: 'b' }], 't1');
    assert.deepEqual([moved[0]?.lastTransitionTime, moved[0]?.lastUpdateTime], ['t0', 't1']);
    const flipped = mergeConditions(prev, [{ type: 'Progressing', status: 'False', reason: 'FailureBudgetExceeded' }], 't1');
    assert.equal(flipped[0]?.lastTransitionTime, 't1');
  });
});

describe('daemonset: revisions', () => {
  it('the hash is stable: key order does not matter, any change does, the collision count does', () => {
    const a = { metadata: { labels: { app: 'x', tier: 'edge' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
    const b = { spec: { containers: [{ image: 'busybox:1', name: 'c' }] }, metadata: { labels: { tier: 'edge', app: 'x' } } };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(templateHash(a), templateHash(b));
    assert.equal(templateHash(a), templateHash(structuredClone(a)));
    assert.match(templateHash(a), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.notEqual(templateHash(a), templateHash({ ...a, spec: { containers: [{ name: 'c', image: 'busybox:2' }] } }));
    assert.notEqual(templateHash(a), templateHash(a, 0));
    assert.notEqual(templateHash(a, 0), templateHash(a, 1));
    // Pinned: a change of the hashing scheme would relabel every pod of every fleet.
    assert.equal(templateHash(template()), templateHash(template()));
    assert.equal(templateHash({}), '5859f96865'); // FNV-32a("{}") = 1415952421, safe-encoded
  });

  const rev = (name: string, revision: number, t: ReturnType<typeof template>, hash = name.slice('agent-'.length)): RevisionView => ({ name, revision, hash, template: t });
  const t1 = template();
  const t2 = template({ hostNetwork: true });
  const t3 = template({ hostPID: true });

  it('first revision: created as <ds>-<hash>, number 1, data holding the template', () => {
    const p = planRevisions('agent', t1, undefined, [], 10, new Set());
    assert.equal(p.create?.name, `agent-${templateHash(t1)}`);
    assert.equal(p.create?.revision, 1);
    assert.deepEqual(p.create?.data, { spec: { template: { ...t1, $patch: 'replace' } } });
    assert.equal(p.hash, templateHash(t1));
  });

  it("a revision's data decodes back to the stored template it snapshotted; data that holds none is a DecodeError", () => {
    const ds = decodeDaemonSet({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: t1 } });
    const stored = ds.spec.template;
    assert.deepEqual(revisionTemplate(revisionData(stored), 'agent-aaa', 'default'), stored);
    assert.equal(canonicalJson(revisionTemplate(revisionData(stored), 'agent-aaa', 'default')), canonicalJson(stored));
    for (const bad of [undefined, {}, { spec: { template: 'x' } }, { spec: { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: 'x' } } } }]) {
      assert.throws(() => revisionTemplate(bad, 'agent-aaa', 'default'), (e: unknown) => isDecodeError(e) && e.name === 'DecodeError', JSON.stringify(bad));
    }
  });

  it('revisionView: a revision whose data does not decode is logged and has no template (never the current one)', () => {
    const lines: string[] = [];
    const log = createJsonLogger((l) => lines.push(l), { level: 'info', now: () => new Date(T0) });
    const cr = (name: string, data: unknown): ControllerRevision => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, namespace: 'default', labels: { 'controller-revision-hash': name.slice(6) } }, revision: 1, data });
    const bad = revisionView(cr('agent-bad', { spec: { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 7 }] } } } }), log);
    assert.deepEqual(bad, { name: 'agent-bad', revision: 1, hash: 'bad' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /"msg":"revision data does not decode".*"revision":"agent-bad".*"field":"spec\.template\.spec\.containers\[0\]\.image"/);
    const good = revisionView(cr('agent-ok', revisionData(t1)), log);
    assert.equal(good.template?.spec.containers[0]?.image, 'busybox:1');
    assert.equal(planRevisions('agent', t1, undefined, [bad], 10, new Set()).create?.revision, 2);
  });

  it('a template back to an old revision reuses it, renumbered to the top (rollout undo)', () => {
    const p = planRevisions('agent', t1, undefined, [rev('agent-aaa', 1, t1), rev('agent-bbb', 2, t2)], 10, new Set());
    assert.equal(p.create, undefined);
    assert.deepEqual(p.current, { name: 'agent-aaa', renumber: 3 });
    assert.equal(p.hash, 'aaa');
  });

  it('a name taken by another template is a collision: the count goes up until the name is free', () => {
    const taken = `agent-${templateHash(t2)}`;
    const p = planRevisions('agent', t2, undefined, [rev(taken, 1, t1)], 10, new Set());
    // Kubernetes: a nil count becomes 0 and is then bumped.
    assert.equal(p.collisionCount, 1);
    assert.equal(p.create?.name, `agent-${templateHash(t2, 1)}`);
    assert.equal(p.create?.revision, 2);
  });

  it('duplicates of the current revision: the highest kept, pods relabelled, the rest deleted', () => {
    const p = planRevisions('agent', t1, undefined, [rev('agent-aaa', 1, t1), rev('agent-ccc', 3, t1), rev('agent-bbb', 2, t2)], 10, new Set());
    assert.equal(p.hash, 'ccc');
    assert.deepEqual(p.relabel, [{ from: 'aaa', to: 'ccc' }]);
    assert.deepEqual(p.delete, ['agent-aaa']);
  });

  it('history beyond revisionHistoryLimit goes oldest first, keeping revisions pods still use', () => {
    const old = [rev('agent-r1', 1, t2), rev('agent-r2', 2, t3), rev('agent-r3', 3, template({ hostIPC: true }))];
    const p = planRevisions('agent', t1, undefined, [...old, rev('agent-r4', 4, t1)], 2, new Set(['r1']));
    assert.deepEqual(p.delete, ['agent-r2']);
    assert.deepEqual(p.history.map((r) => r.name), ['agent-r1', 'agent-r3']);
    assert.deepEqual(planRevisions('agent', t1, undefined, [...old, rev('agent-r4', 4, t1)], 0, new Set()).delete, ['agent-r1', 'agent-r2', 'agent-r3']);
  });
});

describe('daemonset: the manage loop', () => {
  const manage = (nodes: [string, Eligibility][], pods: DaemonPodView[], extra: { surge?: boolean; backoff?: Map<string, BackoffEntry>; now?: number } = {}) =>
    planManage({
      namespace: 'default', nodes: new Map(nodes), podsByNode: podsByNode(pods), hash: 'new', allowsSurge: extra.surge ?? false,
      minReadySeconds: 0, backoff: extra.backoff ?? new Map(), now: extra.now ?? sec(0),
    });
  const steps = (r: ReturnType<typeof manage>): string[] => r.steps.map((s) => (s.kind === 'createPod' ? `create ${s.node}` : s.kind === 'deletePod' ? `delete ${s.pod} (${s.reason})` : s.kind));

  /** [name, nodes, pods, surge, want] */
  const CASES: [string, [string, Eligibility][], DaemonPodView[], boolean, string[]][] = [
    ['a pod on every node that should run one', [['a', RUN], ['b', RUN]], [pod('b1', 'b', 'new')], false, ['create a']],
    ['no pod where it may not be placed', [['a', KEEP]], [], false, []],
    ['a pod that may continue stays', [['a', KEEP]], [pod('a1', 'a', 'old')], false, []],
    ['a pod that may not continue goes (misscheduled)', [['a', GONE]], [pod('a1', 'a', 'old')], false, ['delete a1 (misscheduled)']],
    ['a pod already being deleted is left alone', [['a', GONE]], [pod('a1', 'a', 'old', { deleting: true })], false, []],
    ['duplicates: all but the oldest go', [['a', RUN]], [pod('a2', 'a', 'new', { createdAt: sec(-10) }), pod('a1', 'a', 'new'), pod('a3', 'a', 'new', { createdAt: sec(-5) })], false, ['delete a2 (duplicate)', 'delete a3 (duplicate)']],
    ['succeeded pods are deleted', [['a', RUN]], [pod('a1', 'a', 'new', { phase: 'Succeeded' })], false, ['delete a1 (succeeded)']],
    ['pods bound to a node that is gone are deleted', [['a', RUN]], [pod('a1', 'a', 'new'), pod('z1', 'zz', 'new')], false, ['delete z1 (no-node)']],
    ['surge: an available updated pod replaces the old twin', [['a', RUN]], [pod('a1', 'a', 'old'), pod('a2', 'a', 'new', { createdAt: sec(-10) })], true, ['delete a1 (duplicate)']],
    ['surge: an old twin still serving stays while the updated one starts', [['a', RUN]], [pod('a1', 'a', 'old'), starting('a2', 'a', 'new', 10)], true, []],
    ['surge: an old twin that is not ready goes at once', [['a', RUN]], [pod('a1', 'a', 'old', { ready: false }), starting('a2', 'a', 'new', 10)], true, ['delete a1 (duplicate)']],
    ['surge: a node whose only pod is being deleted gets a new one at once', [['a', RUN]], [pod('a1', 'a', 'old', { deleting: true })], true, ['create a']],
  ];
  for (const [name, nodes, pods, surge, want] of CASES) {
    it(name, () => assert.deepEqual(steps(manage(nodes, pods, { surge })), want));
  }

  it('failed pods are deleted with a per-node backoff that doubles', () => {
    const failed = [pod('a1', 'a', 'new', { phase: 'Failed', ready: false })];
    const first = manage([['a', RUN]], failed);
    assert.deepEqual(steps(first), ['delete a1 (failed)']);
    assert.deepEqual(first.backoff.get('a'), { lastAt: sec(0), delayMs: 1000 });
    assert.match(first.events[0]?.message ?? '', /^Found failed daemon pod default\/a1 on node a, will try to kill it$/);
    // The recreated pod fails again half a second later: wait for the rest of the second.
    const soon = manage([['a', RUN]], [pod('a2', 'a', 'new', { phase: 'Failed', ready: false })], { backoff: first.backoff, now: sec(0.5) });
    assert.deepEqual(steps(soon), []);
    assert.equal(soon.requeueAfterMs, 500);
    const later = manage([['a', RUN]], [pod('a2', 'a', 'new', { phase: 'Failed', ready: false })], { backoff: first.backoff, now: sec(1.5) });
    assert.deepEqual(steps(later), ['delete a2 (failed)']);
    assert.equal(later.backoff.get('a')?.delayMs, 2000);
  });
});
