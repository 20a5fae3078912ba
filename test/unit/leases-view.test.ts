import assert from 'node:assert/strict';
import { nodeLease, parseLeasePath } from '../../server/apiserver/leases.js';
import { decodeProtobuf, encodeProtobuf } from '../../server/apiserver/protobuf/index.js';

describe('leases: the API view of the heartbeat table', () => {
  const paths: [string, ReturnType<typeof parseLeasePath>][] = [
    ['/apis/coordination.k8s.io/v1/leases', {}],
    ['/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { namespace: 'kube-node-lease' }],
    ['/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pi-1', { namespace: 'kube-node-lease', name: 'pi-1' }],
    ['/apis/coordination.k8s.io/v1/leases/pi-1', undefined],
    ['/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pi-1/status', undefined],
    ['/apis/coordination.k8s.io/v1', undefined],
    ['/apis/apps/v1/daemonsets', undefined],
  ];
  for (const [path, want] of paths) {
    it(`parses ${path}`, () => assert.deepEqual(parseLeasePath(path), want));
  }

  it('a node lease as the kubelet writes it: holder, duration, renew time in microseconds, owned by the Node', () => {
    const lease = nodeLease('pi-1', new Date('2026-01-01T00:00:01.234Z'), 'uid-1', 40);
    assert.deepEqual(lease['spec'], { holderIdentity: 'pi-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:01.234000Z' });
    assert.equal(lease.metadata.namespace, 'kube-node-lease');
    assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'pi-1', uid: 'uid-1' }]);
    assert.equal(lease.metadata.resourceVersion, String(Date.parse('2026-01-01T00:00:01.234Z')));
  });

  it('goes out as protobuf and reads back the same', () => {
    const lease = nodeLease('pi-1', new Date('2026-01-01T00:00:01.234Z'), 'uid-1', 40);
    assert.deepEqual(decodeProtobuf(encodeProtobuf(lease)), lease);
  });
});
