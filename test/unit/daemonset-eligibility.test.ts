import assert from 'node:assert/strict';
import { placementMismatch, requiredNodePlacement } from '../../shared/api/node-affinity.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { daemonPodScheduling, nodeEligibility } from '../../server/controllers/daemonset/eligibility.js';
import { podRequests } from '../../server/controllers/daemonset/resources.js';
import { daemonPodTolerations } from '../../server/controllers/daemonset/tolerations.js';
import { node, taint, template } from './daemonset-fixtures.js';

const affinity = (...terms: JsonObject[]): JsonObject => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
});
const expr = (key: string, operator: string, values?: string[]): JsonObject => ({ matchExpressions: [values ? { key, operator, values } : { key, operator }] });

const LABELS = { arch: 'arm64', ram: '4096', zone: 'field' };

/** [name, pod spec, node labels, node name, matches] */
const PLACEMENT: [string, JsonObject, Record<string, string>, string, boolean][] = [
  ['no selector, no affinity: every node', {}, {}, 'pi-1', true],
  ['nodeSelector equal', { nodeSelector: { arch: 'arm64' } }, LABELS, 'pi-1', true],
  ['nodeSelector other value', { nodeSelector: { arch: 'armhf' } }, LABELS, 'pi-1', false],
  ['nodeSelector key missing', { nodeSelector: { gpu: 'yes' } }, LABELS, 'pi-1', false],
  ['nodeSelector AND affinity: both must hold', { nodeSelector: { arch: 'arm64' }, ...affinity(expr('zone', 'In', ['lab'])) }, LABELS, 'pi-1', false],
  ['In: value listed', affinity(expr('zone', 'In', ['lab', 'field'])), LABELS, 'pi-1', true],
  ['In: value not listed', affinity(expr('zone', 'In', ['lab'])), LABELS, 'pi-1', false],
  ['In: key missing', affinity(expr('rack', 'In', ['a'])), LABELS, 'pi-1', false],
  ['NotIn: value not listed', affinity(expr('zone', 'NotIn', ['lab'])), LABELS, 'pi-1', true],
  ['NotIn: value listed', affinity(expr('zone', 'NotIn', ['field'])), LABELS, 'pi-1', false],
  ['NotIn: key missing matches', affinity(expr('rack', 'NotIn', ['a'])), LABELS, 'pi-1', true],
  ['Exists: present', affinity(expr('arch', 'Exists')), LABELS, 'pi-1', true],
  ['Exists: absent', affinity(expr('gpu', 'Exists')), LABELS, 'pi-1', false],
  ['DoesNotExist: absent', affinity(expr('gpu', 'DoesNotExist')), LABELS, 'pi-1', true],
  ['DoesNotExist: present', affinity(expr('arch', 'DoesNotExist')), LABELS, 'pi-1', false],
  ['Gt: 4096 > 2048', affinity(expr('ram', 'Gt', ['2048'])), LABELS, 'pi-1', true],
  ['Gt: 4096 > 4096 is false', affinity(expr('ram', 'Gt', ['4096'])), LABELS, 'pi-1', false],
  ['Gt: non-integer label never matches', affinity(expr('arch', 'Gt', ['1'])), LABELS, 'pi-1', false],
  ['Gt: key missing', affinity(expr('cpus', 'Gt', ['1'])), LABELS, 'pi-1', false],
  ['Lt: 4096 < 8192', affinity(expr('ram', 'Lt', ['8192'])), LABELS, 'pi-1', true],
  ['Lt: 4096 < 1024 is false', affinity(expr('ram', 'Lt', ['1024'])), LABELS, 'pi-1', false],
  ['Gt with two values: the term is invalid, matches nothing', affinity(expr('ram', 'Gt', ['1', '2'])), LABELS, 'pi-1', false],
  ['unknown operator: invalid term', affinity(expr('ram', 'Like', ['4'])), LABELS, 'pi-1', false],
  ['matchFields metadata.name In', affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['pi-1', 'pi-2'] }] }), LABELS, 'pi-1', true],
  ['matchFields metadata.name In, other node', affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['pi-2'] }] }), LABELS, 'pi-1', false],
  ['matchFields metadata.name NotIn', affinity({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['pi-2'] }] }), LABELS, 'pi-1', true],
  ['matchFields on another field: invalid', affinity({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['x'] }] }), LABELS, 'pi-1', false],
  ['terms are ORed', affinity(expr('zone', 'In', ['lab']), expr('arch', 'Exists')), LABELS, 'pi-1', true],
  ['within a term, expressions and fields are ANDed', affinity({ ...expr('arch', 'Exists'), matchFields: [{ key: 'metadata.name', operator: 'In', values: ['pi-9'] }] }), LABELS, 'pi-1', false],
  ['an empty term matches nothing', affinity({}), LABELS, 'pi-1', false],
  ['no terms at all matches nothing', affinity(), LABELS, 'pi-1', false],
  ['an invalid term does not spoil a valid one', affinity(expr('ram', 'Gt', ['x']), expr('arch', 'In', ['arm64'])), LABELS, 'pi-1', true],
];

describe('daemonset: required node placement', () => {
  for (const [name, spec, labels, nodeName, want] of PLACEMENT) {
    it(name, () => {
      assert.equal(placementMismatch(requiredNodePlacement(spec), { name: nodeName, labels }) === undefined, want);
    });
  }
});

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

/** [name, pod spec, node, want [wantToRun, shouldRun, shouldContinueRunning]] */
const ELIGIBILITY: [string, JsonObject, ReturnType<typeof node>, [boolean, boolean, boolean]][] = [
  ['plain node', {}, node('pi-1'), [true, true, true]],
  ['selector mismatch: none of the three', { nodeSelector: { arch: 'arm64' } }, node('pi-1'), [false, false, false]],
  ['NoSchedule taint not tolerated: not placed, but a running pod stays', {}, node('pi-1', { taints: [taint('dedicated', 'NoSchedule', 'db')] }), [false, false, true]],
  ['NoSchedule taint tolerated', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }, node('pi-1', { taints: [taint('dedicated', 'NoSchedule', 'db')] }), [true, true, true]],
  ['NoExecute taint not tolerated: must leave', {}, node('pi-1', { taints: [taint('maintenance', 'NoExecute')] }), [false, false, false]],
  ['NoExecute tolerated with Exists', { tolerations: [{ key: 'maintenance', operator: 'Exists' }] }, node('pi-1', { taints: [taint('maintenance', 'NoExecute')] }), [true, true, true]],
  ['PreferNoSchedule is only a preference', {}, node('pi-1', { taints: [taint('slow', 'PreferNoSchedule')] }), [true, true, true]],
  ['unreachable NoExecute + NoSchedule: tolerated automatically', {}, node('pi-1', { taints: [taint(UNREACHABLE, 'NoExecute'), taint(UNREACHABLE, 'NoSchedule')] }), [false, false, true]],
  ['not-ready NoExecute: tolerated automatically', {}, node('pi-1', { taints: [taint(NOT_READY, 'NoExecute')] }), [true, true, true]],
  ['memory/disk/pid pressure: tolerated automatically', {}, node('pi-1', { taints: ['memory', 'disk', 'pid'].map((k) => taint(`node.kubernetes.io/${k}-pressure`, 'NoSchedule')) }), [true, true, true]],
  ['spec.unschedulable: tolerated automatically', {}, node('pi-1', { unschedulable: true }), [true, true, true]],
  ['network-unavailable: not tolerated by a pod-network daemon', {}, node('pi-1', { taints: [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }), [false, false, true]],
  ['network-unavailable: tolerated by a host-network daemon', { hostNetwork: true }, node('pi-1', { taints: [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }), [true, true, true]],
  ['template pinned to another node', { nodeName: 'pi-2' }, node('pi-1'), [false, false, false]],
  ['template pinned to this node', { nodeName: 'pi-1' }, node('pi-1'), [true, true, true]],
];

describe('daemonset: nodeEligibility (NodeShouldRunDaemonPod)', () => {
  for (const [name, spec, n, want] of ELIGIBILITY) {
    it(name, () => {
      const e = nodeEligibility(n, daemonPodScheduling(template(spec), 'ds-uid'));
      assert.deepEqual([e.wantToRun, e.shouldRun, e.shouldContinueRunning], want);
    });
  }

  it('unreachable NoSchedule alone keeps a running daemon (NoExecute tolerated without a time limit)', () => {
    const e = nodeEligibility(node('pi-1', { taints: [taint(UNREACHABLE, 'NoExecute')] }), daemonPodScheduling(template(), 'ds-uid'));
    assert.deepEqual([e.wantToRun, e.shouldRun, e.shouldContinueRunning], [true, true, true]);
  });
});

const withRequests = (cpu: string, memory: string): JsonObject => ({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] });

/** [name, pod spec, node, want (insufficient reasons)] */
const RESOURCES: [string, JsonObject, ReturnType<typeof node>, string[]][] = [
  ['fits an empty node', withRequests('500m', '128Mi'), node('pi-1', { allocatable: { cpu: 4, memory: 1 << 30, pods: 110 } }), []],
  ['exactly fits', withRequests('1', '512Mi'), node('pi-1', { allocatable: { cpu: 1, memory: 512 * 2 ** 20 } }), []],
  ['cpu taken by other pods', withRequests('500m', '128Mi'), node('pi-1', { allocatable: { cpu: 1 }, residents: [{ requests: { cpu: 0.6 } }] }), ['Insufficient cpu']],
  ['memory short', withRequests('100m', '1Gi'), node('pi-1', { allocatable: { cpu: 1, memory: 512 * 2 ** 20 } }), ['Insufficient memory']],
  ['the DaemonSet\'s own pod on the node does not count', withRequests('800m', '1Mi'), node('pi-1', { allocatable: { cpu: 1 }, residents: [{ controllerUid: 'ds-uid', requests: { cpu: 0.8 } }] }), []],
  ['too many pods', withRequests('1m', '1Mi'), node('pi-1', { allocatable: { pods: 1 }, residents: [{ requests: {} }] }), ['Too many pods']],
  ['allocatable not reported: not checked', withRequests('64', '64Gi'), node('pi-1'), []],
  ['an extended resource the node lacks', { containers: [{ name: 'c', image: 'x', resources: { requests: { 'vendor.io/tpu': '1' } } }] }, node('pi-1', { allocatable: { cpu: 4 } }), ['Insufficient vendor.io/tpu']],
];

describe('daemonset: resource fit', () => {
  for (const [name, spec, n, want] of RESOURCES) {
    it(name, () => {
      const e = nodeEligibility(n, daemonPodScheduling(template(spec), 'ds-uid'));
      assert.deepEqual(e.insufficient ?? [], want);
      // Short of resources: wanted (counted in desired), not placed, kept if already running.
      if (want.length > 0) assert.deepEqual([e.wantToRun, e.shouldRun, e.shouldContinueRunning], [true, false, true]);
    });
  }

  it('effective requests: containers summed, raised to the largest init container, plus overhead', () => {
    const spec: Parameters<typeof podRequests>[0] = {
      containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '200m' } } }, { name: 'b', image: 'x', resources: { requests: { cpu: '300m', memory: '64Mi' } } }],
      initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '1', memory: '1Mi' } } }],
      overhead: { cpu: '10m' },
    };
    const r = podRequests(spec);
    assert.equal(r['cpu'], 1.01);
    assert.equal(r['memory'], 64 * 2 ** 20);
  });
});

describe('daemonset: automatic tolerations', () => {
  it('adds the Kubernetes set, without time limits, and replaces a matching user toleration', () => {
    const own = [{ key: UNREACHABLE, operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds: 300 }, { key: 'x', operator: 'Exists' as const }];
    const out = daemonPodTolerations(own, false);
    assert.deepEqual(out[0], { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' });
    assert.deepEqual(out[1], { key: 'x', operator: 'Exists' });
    assert.deepEqual(out.slice(2).map((t) => `${t.key}:${t.effect}`), [
      `${NOT_READY}:NoExecute`,
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    assert.ok(out.every((t) => t.tolerationSeconds === undefined));
    assert.ok(daemonPodTolerations([], true).some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
  });
});
