import assert from 'node:assert/strict';
import { isAtomicMap, listMapKeys, listStrategy, type ListStrategy } from '../../shared/patch/index.js';

const cases: [kind: string, path: string, want: ListStrategy][] = [
  ['Pod', 'spec.containers', { mergeKey: 'name' }],
  ['Pod', 'spec.initContainers', { mergeKey: 'name' }],
  ['Pod', 'spec.ephemeralContainers', { mergeKey: 'name' }],
  ['Pod', 'spec.containers[].env', { mergeKey: 'name' }],
  ['Pod', 'spec.initContainers[].volumeMounts', { mergeKey: 'mountPath' }],
  ['Pod', 'spec.containers[].volumeDevices', { mergeKey: 'devicePath' }],
  ['Pod', 'spec.volumes', { mergeKey: 'name' }],
  ['Pod', 'spec.imagePullSecrets', { mergeKey: 'name' }],
  ['Pod', 'spec.hostAliases', { mergeKey: 'ip' }],
  ['Pod', 'status.conditions', { mergeKey: 'type' }],
  ['Pod', 'metadata.ownerReferences', { mergeKey: 'uid' }],
  ['Pod', 'metadata.finalizers', 'merge-primitive'],
  ['Pod', 'spec.tolerations', 'atomic'],
  ['Pod', 'spec.containers[].envFrom', 'atomic'],
  ['Pod', 'spec.containers[].args', 'atomic'],
  ['Pod', 'spec.containers[].command', 'atomic'],
  ['Pod', 'spec.template.spec.containers', 'atomic'],
  ['DaemonSet', 'spec.template.spec.containers', { mergeKey: 'name' }],
  ['DaemonSet', 'spec.template.spec.containers[].env', { mergeKey: 'name' }],
  ['DaemonSet', 'spec.template.spec.volumes', { mergeKey: 'name' }],
  ['DaemonSet', 'spec.containers', 'atomic'],
  ['DaemonSet', 'status.conditions', { mergeKey: 'type' }],
  ['DaemonSet', 'metadata.finalizers', 'merge-primitive'],
  ['Node', 'spec.taints', 'atomic'],
  ['Node', 'status.conditions', { mergeKey: 'type' }],
  ['Node', 'status.addresses', { mergeKey: 'type' }],
  ['ConfigMap', 'metadata.ownerReferences', { mergeKey: 'uid' }],
  ['Secret', 'metadata.finalizers', 'merge-primitive'],
  ['Event', 'metadata.finalizers', 'merge-primitive'],
  ['ControllerRevision', 'metadata.ownerReferences', { mergeKey: 'uid' }],
  ['Namespace', 'spec.finalizers', 'atomic'],
  ['Unknown', 'spec.containers', 'atomic'],
];

describe('listStrategy', () => {
  for (const [kind, path, want] of cases) {
    it(`${kind} ${path}`, () => {
      const got = listStrategy(kind, path);
      assert.deepEqual(typeof got === 'object' ? { mergeKey: got.mergeKey } : got, want);
    });
  }

  it('container ports merge on containerPort but apply keys them on containerPort and protocol (default TCP)', () => {
    const s = listStrategy('Pod', 'spec.containers[].ports');
    assert.ok(typeof s === 'object');
    assert.equal(s.mergeKey, 'containerPort');
    assert.deepEqual(listMapKeys(s), [{ name: 'containerPort' }, { name: 'protocol', default: 'TCP' }]);
    assert.deepEqual(listMapKeys({ mergeKey: 'name' }), [{ name: 'name' }]);
  });

  it('knows the maps apply treats as one value', () => {
    assert.equal(isAtomicMap('Pod', 'spec.nodeSelector'), true);
    assert.equal(isAtomicMap('DaemonSet', 'spec.selector'), true);
    assert.equal(isAtomicMap('DaemonSet', 'spec.template.spec.nodeSelector'), true);
    assert.equal(isAtomicMap('Pod', 'metadata.ownerReferences[]'), true);
    assert.equal(isAtomicMap('Pod', 'metadata.labels'), false);
    assert.equal(isAtomicMap('Pod', 'spec.containers[].resources'), false);
  });
});
