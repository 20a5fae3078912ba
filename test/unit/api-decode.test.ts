/** The per-kind decoders: a valid object decodes typed and defaulted; a wrong shape throws naming the field. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { DecodeError, decodeAs, decodeConfigMap, decodeDaemonSet, decodeNode, decodePod, decodeSecret, fromStore, type KindName } from '../../shared/api/types/index.js';

function pod(spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }], ...spec }, ...extra };
}

function decodeFails(decode: () => unknown, field: string, message: RegExp): void {
  assert.throws(decode, (e: unknown) => {
    assert.ok(e instanceof DecodeError, `expected a DecodeError, got ${String(e)}`);
    assert.equal(e.code, 422);
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

describe('api decode: valid objects become typed, with Kubernetes defaults', () => {
  it('a Pod: typed fields, defaults filled in place', () => {
    const obj = pod({ nodeName: 'pi-1', tolerations: [{ key: 'k', operator: 'Exists' }] });
    const p = decodePod(obj);
    assert.equal(p, obj, 'decoded in place');
    assert.equal(p.spec.nodeName, 'pi-1');
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.equal(p.spec.tolerations?.[0]?.operator, 'Exists');
    assert.equal(p.status?.phase, 'Pending');
  });

  it('null fields read as absent and are dropped, as Kubernetes decodes JSON', () => {
    const p = decodePod(pod({ nodeName: null, hostNetwork: null }));
    assert.equal('nodeName' in p.spec, false);
    assert.equal(p.spec.nodeName, undefined);
  });

  it('a Node, a DaemonSet, a ConfigMap and a Secret', () => {
    const node = decodeNode({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '4' } } });
    assert.equal(node.spec?.taints?.[0]?.effect, 'NoSchedule');
    assert.deepEqual(node.status?.allocatable, { cpu: '4' });
    const ds = decodeDaemonSet({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
    });
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.template.spec.restartPolicy, 'Always');
    const cm = decodeConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { a: '1' } });
    assert.equal(cm.data?.['a'], '1');
    const secret = decodeSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, stringData: { pw: 'x' } });
    assert.deepEqual([secret.type, secret.data], ['Opaque', { pw: Buffer.from('x').toString('base64') }]);
  });
});

describe('api decode: a wrong kind or shape throws a 422 naming the field', () => {
  const rows: [string, KindName, KubeObject, string, RegExp][] = [
    ['another kind', 'Pod', { ...pod(), kind: 'Node' }, 'kind', /Unsupported value: "Node"/],
    ['a missing container image', 'Pod', pod({ containers: [{ name: 'app' }] }), 'spec.containers[0].image', /Required value/],
    ['a string where an integer goes', 'Pod', pod({ terminationGracePeriodSeconds: '30' }), 'spec.terminationGracePeriodSeconds', /expected integer, got string/],
    // No validation rule reads these: the schema check of every known field does.
    ['an ill-typed field no rule reads', 'Pod', pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 7 }] }] } } } }), 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key', /expected string, got number/],
    ['an ill-typed status field', 'Pod', pod({}, { status: { containerStatuses: [{ name: 'app', state: { running: { startedAt: 5 } } }] } }), 'status.containerStatuses[0].state.running.startedAt', /expected string, got number/],
    ['a volume source Flotilla does not run', 'Pod', pod({ volumes: [{ name: 'v', nfs: { server: 'x', path: '/' } }] }), 'spec.volumes[0].nfs', /Unsupported value/],
    ['a node capacity that is not a quantity', 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi' }, status: { capacity: { cpu: true } } }, 'status.capacity[cpu]', /expected string or number/],
    ['a taint without an effect', 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi' }, spec: { taints: [{ key: 'k' }] } }, 'spec.taints[0].effect', /Required value/],
    ['a data value that is not a string', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: { a: 1 } }, 'data[a]', /expected string/],
  ];
  for (const [name, kind, obj, field, message] of rows) {
    it(name, () => decodeFails(() => decodeAs(kind, obj), field, message));
  }

  it('reports every field at fault, and leaves an invalid object undefaulted', () => {
    const obj = pod({ containers: [{ name: 'app' }], restartPolicy: 'Sometimes' });
    try {
      decodePod(obj);
      assert.fail('decoded');
    } catch (e) {
      assert.ok(e instanceof DecodeError);
      assert.deepEqual(e.errors.map((x) => x.field).sort(), ['spec.containers[0].image', 'spec.restartPolicy']);
    }
    assert.equal(obj['status'], undefined);
  });
});

describe('api decode: objects read back from the store', () => {
  it('are typed by kind; another kind is a programming error', () => {
    const stored = decodePod(pod({ nodeName: 'pi-1' }));
    assert.equal(fromStore('Pod', stored).spec.nodeName, 'pi-1');
    assert.throws(() => fromStore('Node', stored), TypeError);
  });
});
