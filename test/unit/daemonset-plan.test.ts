import assert from 'node:assert/strict';
import { planDaemonSet, type DaemonSetPlan, type DaemonSetPlanInput } from '../../server/controllers/daemonset/plan.js';
import { daemonPodFor } from '../../server/controllers/daemonset/pod-template.js';
import { templateHash } from '../../server/controllers/daemonset/revisions.js';
import type { DaemonPodView, NodeView, RevisionView } from '../../server/controllers/daemonset/view.js';
import { daemonSet, node, pod, sec, starting, taint, template } from './daemonset-fixtures.js';

const OLD_T = template();
const NEW_T = template({ hostNetwork: true });
const OLD = templateHash(OLD_T);
const NEW = templateHash(NEW_T);
const REVISIONS: RevisionView[] = [
  { name: `agent-${OLD}`, revision: 1, hash: OLD, template: OLD_T },
  { name: `agent-${NEW}`, revision: 2, hash: NEW, template: NEW_T },
];
const UNREACHABLE = [taint('node.kubernetes.io/unreachable', 'NoExecute'), taint('node.kubernetes.io/unreachable', 'NoSchedule')];
const offline = (name: string): NodeView => node(name, { reachable: false, taints: UNREACHABLE });

function plan(nodes: NodeView[], pods: DaemonPodView[], annotations: Record<string, string> = {}, extra: Partial<DaemonSetPlanInput> = {}): DaemonSetPlan {
  return planDaemonSet({ ds: daemonSet({ template: NEW_T, annotations }), nodes, pods, revisions: REVISIONS, backoff: new Map(), now: sec(0), ...extra });
}
const podSteps = (p: DaemonSetPlan): string[] =>
  p.steps.flatMap((s) => (s.kind === 'createPod' ? [`create ${s.node}`] : s.kind === 'deletePod' ? [`delete ${s.pod}`] : []));
const cond = (p: DaemonSetPlan, type: string): { status?: string; reason?: string; message?: string } => p.status.conditions.find((c) => c.type === type) ?? {};

describe('daemonset: planDaemonSet', () => {
  it('a fresh DaemonSet: a revision, a pod on each eligible node, none elsewhere', () => {
    const p = planDaemonSet({
      ds: daemonSet({ template: template({ nodeSelector: { role: 'sensor' } }) }),
      nodes: [node('pi-1', { labels: { role: 'sensor' } }), node('pi-2'), node('pi-3', { labels: { role: 'sensor' }, taints: [taint('x', 'NoSchedule')] })],
      pods: [], revisions: [], backoff: new Map(), now: sec(0),
    });
    assert.deepEqual(p.steps.map((s) => s.kind), ['createRevision', 'createPod']);
    assert.deepEqual(podSteps(p), ['create pi-1']);
    assert.equal(p.status.desiredNumberScheduled, 1);
    assert.equal(p.status.observedGeneration, 2);
  });

  it('maxUnavailable 1 over 3 nodes: one old pod deleted, the status says 0 of 3 updated', () => {
    const p = plan([node('pi-1'), node('pi-2'), node('pi-3')], [pod('a', 'pi-1', OLD), pod('b', 'pi-2', OLD), pod('c', 'pi-3', OLD)]);
    assert.deepEqual(podSteps(p), ['delete a']);
    assert.equal(p.status.updatedNumberScheduled, 0);
    assert.deepEqual([cond(p, 'Progressing').status, cond(p, 'Progressing').reason], ['True', 'RollingUpdate']);
  });

  it('an offline device is deferred: the others update, it is counted waiting, and Kubernetes status leaves it out', () => {
    const nodes = [offline('pi-1'), node('pi-2'), node('pi-3')];
    const p = plan(nodes, [pod('a', 'pi-1', OLD), pod('b', 'pi-2', NEW), pod('c', 'pi-3', OLD)]);
    assert.deepEqual(podSteps(p), ['delete c']);
    assert.equal(p.fleet.waitingOffline, 1);
    assert.equal(p.status.desiredNumberScheduled, 2);
    assert.equal(p.status.numberMisscheduled, 1);
    // All reachable devices updated: complete, and it says how many wait.
    const done = plan(nodes, [pod('a', 'pi-1', OLD), pod('b', 'pi-2', NEW), pod('c', 'pi-3', NEW)]);
    assert.deepEqual(podSteps(done), []);
    assert.deepEqual([cond(done, 'Progressing').reason, cond(done, 'Progressing').message], ['RolloutComplete', `revision ${NEW} rolled out: 2 updated, 1 waiting for offline devices`]);
    assert.equal(done.fleet.complete, true);
    // Back online: it goes straight to the current revision.
    const back = plan([node('pi-1'), node('pi-2'), node('pi-3')], [pod('a', 'pi-1', OLD), pod('b', 'pi-2', NEW), pod('c', 'pi-3', NEW)]);
    assert.deepEqual(podSteps(back), ['delete a']);
    const recreated = plan([node('pi-1'), node('pi-2'), node('pi-3')], [pod('b', 'pi-2', NEW), pod('c', 'pi-3', NEW)]);
    assert.deepEqual(recreated.steps.filter((s) => s.kind === 'createPod'), [{ kind: 'createPod', node: 'pi-1', hash: NEW, reason: 'missing' }]);
  });

  it('a broken release halts past the failure budget: nothing new is touched, conditions and an event list the devices', () => {
    const nodes = ['pi-1', 'pi-2', 'pi-3', 'pi-4'].map((n) => node(n));
    const ann = { 'flotilla.io/failure-budget': '1', 'flotilla.io/progress-deadline': '60s' };
    const pods = [starting('a', 'pi-1', NEW, 120, ['CrashLoopBackOff']), starting('b', 'pi-2', NEW, 61, ['ImagePullBackOff']), pod('c', 'pi-3', OLD), pod('d', 'pi-4', OLD)];
    const p = plan(nodes, pods, ann);
    assert.deepEqual(podSteps(p), []);
    assert.deepEqual([cond(p, 'Halted').status, cond(p, 'Halted').message], ['True', '2 of 2 updated devices failed (1 allowed): pi-1 (CrashLoopBackOff), pi-2 (ImagePullBackOff)']);
    assert.deepEqual([cond(p, 'Progressing').status, cond(p, 'Progressing').reason], ['False', 'FailureBudgetExceeded']);
    assert.deepEqual(p.events.map((e) => e.reason), ['RolloutHalted']);
    assert.deepEqual(p.fleet.halted?.failed.map((f) => f.node), ['pi-1', 'pi-2']);
    // The next reconcile does not repeat the event.
    const again = planDaemonSet({ ds: daemonSet({ template: NEW_T, annotations: ann, status: { conditions: p.status.conditions } }), nodes, pods, revisions: REVISIONS, backoff: new Map(), now: sec(1) });
    assert.deepEqual(again.events, []);
    // Within budget (one failed): the failed device does not hold maxUnavailable, the next one goes.
    const one = plan(nodes, [pods[0]!, pod('b', 'pi-2', OLD), pod('c', 'pi-3', OLD), pod('d', 'pi-4', OLD)], ann);
    assert.deepEqual(podSteps(one), ['delete b']);
    assert.equal(cond(one, 'Halted').status, 'False');
  });

  it('rollout undo: back to the old template, the failed devices are replaced at once', () => {
    const p = planDaemonSet({
      ds: daemonSet({ template: OLD_T }), nodes: ['pi-1', 'pi-2', 'pi-3'].map((n) => node(n)),
      pods: [starting('a', 'pi-1', NEW, 900, ['CrashLoopBackOff']), starting('b', 'pi-2', NEW, 900, ['CrashLoopBackOff']), pod('c', 'pi-3', OLD)],
      revisions: REVISIONS, backoff: new Map(), now: sec(0),
    });
    assert.equal(p.hash, OLD);
    assert.deepEqual(p.steps.find((s) => s.kind === 'renumberRevision'), { kind: 'renumberRevision', name: `agent-${OLD}`, revision: 3 });
    assert.deepEqual(podSteps(p), ['delete a', 'delete b']);
    assert.equal(cond(p, 'Halted').status, 'False');
  });

  it('canary then manual promotion: waits after the canary until promoted for this revision', () => {
    const nodes = ['pi-1', 'pi-2', 'pi-3'].map((n) => node(n));
    const ann = { 'flotilla.io/canary-size': '1', 'flotilla.io/promotion': 'manual' };
    const canaryDone = [pod('a', 'pi-1', NEW), pod('b', 'pi-2', OLD), pod('c', 'pi-3', OLD)];
    const waiting = plan(nodes, canaryDone, ann);
    assert.deepEqual(podSteps(waiting), []);
    assert.equal(cond(waiting, 'Progressing').reason, 'AwaitingPromotion');
    assert.deepEqual(waiting.events.map((e) => e.reason), ['AwaitingPromotion']);
    assert.deepEqual(waiting.fleet.stages.map((s) => [s.name, s.nodes, s.updated, s.pending, s.released]), [['canary', 1, 1, 0, true], ['batch-1', 2, 0, 2, false]]);
    const promoted = plan(nodes, canaryDone, { ...ann, 'flotilla.io/promoted-stage': `${NEW}:1` });
    assert.deepEqual(podSteps(promoted), ['delete b']);
  });

  it('paused: nothing is touched, new nodes still get their pod (of the revision the fleet runs)', () => {
    const p = plan([node('pi-1'), node('pi-2')], [pod('a', 'pi-1', OLD)], { 'flotilla.io/rollout-paused': 'true' });
    assert.deepEqual(podSteps(p), ['create pi-2']);
    assert.deepEqual(p.steps.flatMap((s) => (s.kind === 'createPod' ? [s.hash] : [])), [OLD]);
    assert.equal(cond(p, 'Progressing').reason, 'RolloutPaused');
  });

  it('invalid rollout annotations: nothing is touched and the condition names the annotation', () => {
    const p = plan([node('pi-1')], [pod('a', 'pi-1', OLD)], { 'flotilla.io/batch-size': 'lots' });
    assert.deepEqual(podSteps(p), []);
    assert.equal(cond(p, 'Progressing').reason, 'InvalidRolloutPolicy');
    assert.match(cond(p, 'Progressing').message ?? '', /^metadata\.annotations\[flotilla\.io\/batch-size\]: Invalid value: "lots"/);
  });

  it('OnDelete: no rolling deletions; a deleted pod comes back at the current revision', () => {
    const ds = daemonSet({ template: NEW_T }, { type: 'OnDelete' });
    const p = planDaemonSet({ ds, nodes: [node('pi-1'), node('pi-2')], pods: [pod('a', 'pi-1', OLD)], revisions: REVISIONS, backoff: new Map(), now: sec(0) });
    assert.deepEqual(podSteps(p), ['create pi-2']);
  });

  it('FailedPlacement when only resources stand in the way; requeue when a pod becomes available or a deadline passes', () => {
    const ds = daemonSet({ template: template({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' } } }] }), minReadySeconds: 30 });
    const p = planDaemonSet({
      ds, nodes: [node('pi-1', { allocatable: { cpu: 1 } }), node('pi-2')], pods: [pod('b', 'pi-2', 'x', { readySince: sec(-10) })],
      revisions: [], backoff: new Map(), now: sec(0),
    });
    assert.deepEqual(p.events.filter((e) => e.reason === 'FailedPlacement').map((e) => e.message), ['failed to place pod on "pi-1": Insufficient cpu']);
    assert.equal(p.status.desiredNumberScheduled, 2);
    assert.equal(p.requeueAfterMs, 20_001);
  });

  it('the pod a createPod step makes: labels, owner, tolerations, bound to its node', () => {
    const ds = daemonSet({ template: template({ tolerations: [{ key: 'x', operator: 'Exists' }] }), templateGeneration: 4 });
    const made = daemonPodFor(ds, 'pi-7', 'abc');
    assert.deepEqual(made['metadata'], {
      labels: { app: 'agent', 'controller-revision-hash': 'abc', 'pod-template-generation': '4' }, generateName: 'agent-', namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }],
    });
    const spec = made['spec'] as { nodeName: string; tolerations: { key?: string }[] };
    assert.equal(spec.nodeName, 'pi-7');
    assert.equal(spec.tolerations.length, 7);
  });
});
