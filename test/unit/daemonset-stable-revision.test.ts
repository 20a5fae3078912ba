import assert from 'node:assert/strict';
import { planDaemonSet } from '../../server/controllers/daemonset/plan.js';
import { daemonPodFor } from '../../server/controllers/daemonset/pod-template.js';
import { templateHash } from '../../server/controllers/daemonset/revisions.js';
import type { DaemonPodView, NodeView, RevisionView } from '../../server/controllers/daemonset/view.js';
import { daemonSet, node, pod, sec, starting, template } from './daemonset-fixtures.js';

const V1_T = template({ hostPID: true });
const OLD_T = template();
const NEW_T = template({ hostNetwork: true });
const [V1, OLD, NEW] = [templateHash(V1_T), templateHash(OLD_T), templateHash(NEW_T)];
const REVISIONS: RevisionView[] = [
  { name: `agent-${V1}`, revision: 1, hash: V1, template: V1_T },
  { name: `agent-${OLD}`, revision: 2, hash: OLD, template: OLD_T },
  { name: `agent-${NEW}`, revision: 3, hash: NEW, template: NEW_T },
];
const NAMES: Record<string, string> = { [V1]: 'V1', [OLD]: 'OLD', [NEW]: 'NEW' };
const HALT = { 'flotilla.io/failure-budget': '0', 'flotilla.io/progress-deadline': '60s' };
const failing = (name: string, n: string): DaemonPodView => starting(name, n, NEW, 120, ['ImagePullBackOff']);

/** The pods created by the plan, as "node@revision". */
function creates(nodes: NodeView[], pods: DaemonPodView[], annotations: Record<string, string>): string[] {
  const p = planDaemonSet({ ds: daemonSet({ template: NEW_T, annotations }), nodes, pods, revisions: REVISIONS, backoff: new Map(), now: sec(0) });
  return p.steps.flatMap((s) => {
    if (s.kind !== 'createPod') return [];
    // The step's template must be the one its revision holds.
    assert.deepEqual(s.template ?? NEW_T, s.hash === NEW ? NEW_T : s.hash === OLD ? OLD_T : V1_T);
    return [`${s.node}@${NAMES[s.hash] ?? s.hash}`];
  });
}

describe('daemonset: a node without a pod while the rollout holds gets the last good revision', () => {
  const three = ['pi-1', 'pi-2', 'pi-3'].map((n) => node(n));
  /** [name, pods on pi-1 and pi-2 (pi-3 has none: it just joined), annotations, want creates] */
  const TABLE: [string, DaemonPodView[], Record<string, string>, string[]][] = [
    ['halted: the joining node gets the revision the fleet still runs', [failing('a', 'pi-1'), pod('b', 'pi-2', OLD)], HALT, ['pi-3@OLD']],
    ['not halted (within the budget): the current revision', [failing('a', 'pi-1'), pod('b', 'pi-2', OLD)], { ...HALT, 'flotilla.io/failure-budget': '1' }, ['pi-3@NEW']],
    ['still progressing (no deadline passed): the current revision', [starting('a', 'pi-1', NEW, 5), pod('b', 'pi-2', OLD)], HALT, ['pi-3@NEW']],
    ['paused mid-rollout: the old revision', [pod('a', 'pi-1', NEW), pod('b', 'pi-2', OLD)], { 'flotilla.io/rollout-paused': 'true' }, ['pi-3@OLD']],
    ['paused after the rollout finished: the current revision', [pod('a', 'pi-1', NEW), pod('b', 'pi-2', NEW)], { 'flotilla.io/rollout-paused': 'true' }, ['pi-3@NEW']],
    ['its stage is not released (awaiting promotion): the old revision', [pod('a', 'pi-1', NEW), pod('b', 'pi-2', OLD)], { 'flotilla.io/canary-size': '1', 'flotilla.io/promotion': 'manual' }, ['pi-3@OLD']],
    ['halted on the first revision ever (no old pods): the current one, nothing better is known', [failing('a', 'pi-1'), failing('b', 'pi-2')], HALT, ['pi-3@NEW']],
    ['two old revisions: the one more available pods run', [pod('a', 'pi-1', V1, { ready: false, readySince: undefined }), pod('b', 'pi-2', OLD), failing('c', 'pi-3')].map((p, i) => (i === 2 ? { ...p, nodeName: 'pi-0' } : p)), HALT, ['pi-3@OLD']],
    ['two old revisions, equally available: the newer', [pod('a', 'pi-1', V1), pod('b', 'pi-2', OLD), { ...failing('c', 'pi-0') }], HALT, ['pi-3@OLD']],
    ['old pods only on a revision no longer in the history: the current one', [failing('a', 'pi-1'), pod('b', 'pi-2', 'gone')], HALT, ['pi-3@NEW']],
  ];
  for (const [name, pods, annotations, want] of TABLE) {
    it(name, () => {
      const nodes = pods.some((p) => p.nodeName === 'pi-0') ? [node('pi-0'), ...three] : three;
      assert.deepEqual(creates(nodes, pods, annotations), want);
    });
  }

  it('a halted rollout still gives a device whose old pod was deleted the old revision back', () => {
    assert.deepEqual(creates(three, [failing('a', 'pi-1'), pod('c', 'pi-3', OLD)], HALT), ['pi-2@OLD']);
  });

  it('the pod made from an older revision carries its template and hash, and no template generation', () => {
    const made = daemonPodFor(daemonSet({ template: NEW_T, templateGeneration: 3 }), 'pi-3', OLD, OLD_T);
    const meta = made['metadata'] as { labels: Record<string, string> };
    assert.deepEqual(meta.labels, { app: 'agent', 'controller-revision-hash': OLD });
    assert.equal((made['spec'] as { hostNetwork?: boolean }).hostNetwork, undefined);
  });
});
