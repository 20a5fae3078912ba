import assert from 'node:assert/strict';
import type { Pod, PodCondition } from '../../shared/api/types/index.js';
import { rfc3339 } from '../../shared/util/clock.js';
import { planPodGc } from '../../server/controllers/pod-gc/plan.js';

const NOW = new Date('2026-01-01T00:00:00Z');

interface PodShape {
  nodeName?: string;
  deleting?: boolean;
  /** Seconds before NOW the pod was created (default 60) / its deletion deadline is (default 1). */
  age?: number;
  graceLeft?: number;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  daemonSet?: boolean;
  scheduled?: Pick<PodCondition, 'status' | 'reason' | 'message'>;
}

function pod(p: PodShape): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'uid-web',
      creationTimestamp: rfc3339(new Date(NOW.getTime() - (p.age ?? 60) * 1000)),
      ...(p.deleting ? { deletionTimestamp: rfc3339(new Date(NOW.getTime() + (p.graceLeft ?? -1) * 1000)), deletionGracePeriodSeconds: 30 } : {}),
      ...(p.daemonSet ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agentd', uid: 'uid-ds', controller: true }] } : {}),
    },
    spec: { ...(p.nodeName ? { nodeName: p.nodeName } : {}), containers: [{ name: 'main', image: 'busybox' }] },
    status: { phase: p.phase ?? 'Pending', ...(p.scheduled ? { conditions: [{ type: 'PodScheduled', ...p.scheduled }] } : {}) },
  };
}

const MISSING_MSG = 'node "pi-9" does not exist: the pod starts when a device of that name enrolls';
const UNBOUND_MSG = 'the pod has no spec.nodeName and Flotilla does not schedule pods: set spec.nodeName to a node, or run it from a DaemonSet';

/** [name, pod, node exists, expected step kind, expected condition reason, why, or wait (ms)] */
const CASES: [string, PodShape, boolean, string, (string | number)?][] = [
  ['bound to an existing node: nothing', { nodeName: 'pi-1' }, true, 'none'],
  ['bound to a missing node: explained', { nodeName: 'pi-9' }, false, 'explain', 'NodeNotFound'],
  ['bound to a missing node, created 2 s ago: explained 3 s later (its device may be enrolling)', { nodeName: 'pi-9', age: 2 }, false, 'wait', 3000],
  ['unbound, created just now: explained in 5 s', { age: 0 }, false, 'wait', 5000],
  ['already explained the same way: nothing (no event again)', { nodeName: 'pi-9', scheduled: { status: 'False', reason: 'NodeNotFound', message: MISSING_MSG } }, false, 'none'],
  ['unbound, no owner: explained', {}, false, 'explain', 'Unschedulable'],
  ['unbound, already explained: nothing', { scheduled: { status: 'False', reason: 'Unschedulable', message: UNBOUND_MSG } }, false, 'none'],
  ['unbound DaemonSet pod: the DaemonSet controller places it', { daemonSet: true }, false, 'none'],
  ['being deleted on a missing node, grace over: deleted now', { nodeName: 'pi-9', deleting: true }, false, 'forceDelete', 'node pi-9 does not exist: no agent will stop the pod'],
  ['being deleted on a missing node, 20 s of grace left: then', { nodeName: 'pi-9', deleting: true, graceLeft: 20 }, false, 'wait', 20_000],
  ['being deleted on an existing node: the agent finishes it', { nodeName: 'pi-1', deleting: true }, true, 'none'],
  ['finished pod on a missing node: nothing to explain', { nodeName: 'pi-9', phase: 'Succeeded' }, false, 'none'],
  ['the node came: PodScheduled goes True', { nodeName: 'pi-9', scheduled: { status: 'False', reason: 'NodeNotFound', message: MISSING_MSG } }, true, 'clear'],
  ["someone else's PodScheduled=False is left alone", { nodeName: 'pi-1', scheduled: { status: 'False', reason: 'SchedulingGated' } }, true, 'none'],
  ['the agent already said True: nothing', { nodeName: 'pi-1', phase: 'Running', scheduled: { status: 'True' } }, true, 'none'],
];

describe('pod-gc plan', () => {
  for (const [name, shape, nodeExists, kind, detail] of CASES) {
    it(name, () => {
      const step = planPodGc(pod(shape), nodeExists, NOW);
      assert.equal(step.kind, kind);
      if (step.kind === 'explain') {
        assert.equal(step.condition.reason, detail);
        assert.equal(step.condition.status, 'False');
        assert.equal(step.condition.lastTransitionTime, '2026-01-01T00:00:00Z');
      }
      if (step.kind === 'forceDelete') assert.equal(step.why, detail);
      if (step.kind === 'wait') assert.equal(step.afterMs, detail);
      if (step.kind === 'clear') assert.deepEqual(step.condition, { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' });
    });
  }

  it('says why in words a user can act on', () => {
    const missing = planPodGc(pod({ nodeName: 'pi-9' }), false, NOW);
    assert.equal(missing.kind === 'explain' ? missing.condition.message : '', MISSING_MSG);
    const unbound = planPodGc(pod({}), false, NOW);
    assert.equal(unbound.kind === 'explain' ? unbound.condition.message : '', UNBOUND_MSG);
    assert.equal(unbound.kind === 'explain' ? unbound.eventReason : '', 'FailedScheduling');
  });
});
