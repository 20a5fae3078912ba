import assert from 'node:assert/strict';
import { unknownFields } from '../../shared/api/schema/index.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { at, daemonSet, event, node, pod, secret, VALID } from '../support/schema-objects.js';

// ------------------------------------------------------------------ typos, each at its path

type Edit = (o: JsonObject) => void;
const TYPOS: [string, () => JsonObject, Edit, string][] = [
  ['top level', pod, (o) => (o['sepc'] = {}), 'sepc'],
  ['ObjectMeta', pod, (o) => (at(o, 'metadata')['label'] = { a: 'b' }), 'metadata.label'],
  ['OwnerReference', pod, (o) => (at(o, 'metadata', 'ownerReferences', 0)['controler'] = true), 'metadata.ownerReferences[0].controler'],
  ['PodSpec', pod, (o) => (at(o, 'spec')['nodeSelecter'] = {}), 'spec.nodeSelecter'],
  ['Container', pod, (o) => (at(o, 'spec', 'containers', 0)['imagePullPolcy'] = 'Always'), 'spec.containers[0].imagePullPolcy'],
  ['Container (case differs)', pod, (o) => (at(o, 'spec', 'containers', 0)['ImagePullPolicy'] = 'Always'), 'spec.containers[0].ImagePullPolicy'],
  ['init container', pod, (o) => (at(o, 'spec', 'initContainers', 0)['targetContainerName'] = 'x'), 'spec.initContainers[0].targetContainerName'],
  ['EnvVar', pod, (o) => (at(o, 'spec', 'containers', 0, 'env', 0)['valeu'] = 'x'), 'spec.containers[0].env[0].valeu'],
  ['SecretKeySelector', pod, (o) => (at(o, 'spec', 'containers', 0, 'env', 4, 'valueFrom', 'secretKeyRef')['secretName'] = 'x'), 'spec.containers[0].env[4].valueFrom.secretKeyRef.secretName'],
  ['EnvFromSource', pod, (o) => (at(o, 'spec', 'containers', 0, 'envFrom', 0)['name'] = 'x'), 'spec.containers[0].envFrom[0].name'],
  ['ContainerPort', pod, (o) => (at(o, 'spec', 'containers', 0, 'ports', 0)['port'] = 80), 'spec.containers[0].ports[0].port'],
  ['ResourceRequirements', pod, (o) => (at(o, 'spec', 'containers', 0, 'resources')['limit'] = {}), 'spec.containers[0].resources.limit'],
  ['VolumeMount', pod, (o) => (at(o, 'spec', 'containers', 0, 'volumeMounts', 0)['hostPath'] = {}), 'spec.containers[0].volumeMounts[0].hostPath'],
  ['HTTPGetAction', pod, (o) => (at(o, 'spec', 'containers', 0, 'livenessProbe', 'httpGet')['headers'] = []), 'spec.containers[0].livenessProbe.httpGet.headers'],
  ['Probe', pod, (o) => (at(o, 'spec', 'containers', 0, 'readinessProbe')['initialDelay'] = 1), 'spec.containers[0].readinessProbe.initialDelay'],
  ['Lifecycle', pod, (o) => (at(o, 'spec', 'containers', 0, 'lifecycle')['stopSignal'] = 'SIGINT'), 'spec.containers[0].lifecycle.stopSignal'],
  ['Capabilities', pod, (o) => (at(o, 'spec', 'containers', 0, 'securityContext', 'capabilities')['remove'] = []), 'spec.containers[0].securityContext.capabilities.remove'],
  ['Volume', pod, (o) => (at(o, 'spec', 'volumes', 0)['hostpath'] = {}), 'spec.volumes[0].hostpath'],
  ['HostPathVolumeSource', pod, (o) => (at(o, 'spec', 'volumes', 0, 'hostPath')['readOnly'] = true), 'spec.volumes[0].hostPath.readOnly'],
  ['KeyToPath', pod, (o) => (at(o, 'spec', 'volumes', 2, 'configMap', 'items', 0)['mod'] = 1), 'spec.volumes[2].configMap.items[0].mod'],
  ['SecretVolumeSource', pod, (o) => (at(o, 'spec', 'volumes', 3, 'secret')['name'] = 'x'), 'spec.volumes[3].secret.name'],
  ['Toleration', pod, (o) => (at(o, 'spec', 'tolerations', 0)['tolerationSecond'] = 1), 'spec.tolerations[0].tolerationSecond'],
  ['ContainerStatus', pod, (o) => (at(o, 'status', 'containerStatuses', 0)['restarts'] = 1), 'status.containerStatuses[0].restarts'],
  ['ContainerStateTerminated', pod, (o) => (at(o, 'status', 'containerStatuses', 0, 'lastState', 'terminated')['exitcode'] = 1), 'status.containerStatuses[0].lastState.terminated.exitcode'],
  ['DaemonSetSpec', daemonSet, (o) => (at(o, 'spec')['replicas'] = 1), 'spec.replicas'],
  ['PodTemplateSpec', daemonSet, (o) => (at(o, 'spec', 'template', 'metadata')['containers'] = []), 'spec.template.metadata.containers'],
  ['template PodSpec', daemonSet, (o) => (at(o, 'spec', 'template', 'spec')['contianers'] = []), 'spec.template.spec.contianers'],
  ['template Container', daemonSet, (o) => (at(o, 'spec', 'template', 'spec', 'containers', 0)['imagePullPolcy'] = 'Always'), 'spec.template.spec.containers[0].imagePullPolcy'],
  ['NodeSelectorRequirement', daemonSet, (o) => (at(o, 'spec', 'template', 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms', 0, 'matchExpressions', 0)['value'] = 'x'), 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].value'],
  ['RollingUpdateDaemonSet', daemonSet, (o) => (at(o, 'spec', 'updateStrategy', 'rollingUpdate')['maxUnavailible'] = 1), 'spec.updateStrategy.rollingUpdate.maxUnavailible'],
  ['LabelSelector', daemonSet, (o) => (at(o, 'spec', 'selector')['matchLabel'] = {}), 'spec.selector.matchLabel'],
  ['NodeSpec', node, (o) => (at(o, 'spec')['schedulable'] = true), 'spec.schedulable'],
  ['Taint', node, (o) => (at(o, 'spec', 'taints', 0)['operator'] = 'Exists'), 'spec.taints[0].operator'],
  ['NodeSystemInfo', node, (o) => (at(o, 'status', 'nodeInfo')['swap'] = { capacity: 0 }), 'status.nodeInfo.swap'],
  ['DaemonEndpoint', node, (o) => (at(o, 'status', 'daemonEndpoints', 'kubeletEndpoint')['port'] = 1), 'status.daemonEndpoints.kubeletEndpoint.port'],
  ['EventSource', event, (o) => (at(o, 'source')['instance'] = 'x'), 'source.instance'],
  ['ObjectReference', event, (o) => (at(o, 'involvedObject')['names'] = 'x'), 'involvedObject.names'],
  ['Secret', secret, (o) => (o['spec'] = {}), 'spec'],
];

describe('unknownFields', function () {
  for (const [kind, make] of VALID) {
    it(`finds none in a valid ${kind}`, function () {
      assert.deepEqual(unknownFields(make(), kind), []);
    });
  }

  for (const [what, make, edit, path] of TYPOS) {
    it(`reports a typo in ${what} at ${path}`, function () {
      const obj = make();
      edit(obj);
      assert.deepEqual(unknownFields(obj, String(obj['kind'])), [path]);
    });
  }

  it('reports every unknown field in document order, once per subtree, null-valued ones too', function () {
    const obj = daemonSet();
    at(obj, 'spec', 'template', 'spec')['contianers'] = [{ name: 'x', whatever: 1 }];
    at(obj, 'spec', 'template', 'spec', 'containers', 0)['imagePullPolcy'] = null;
    obj['extra'] = null;
    assert.deepEqual(unknownFields(obj, 'DaemonSet'), [
      'spec.template.spec.containers[0].imagePullPolcy',
      'spec.template.spec.contianers',
      'extra',
    ]);
  });

  it('does not descend into maps, free-form fields or values of the wrong type', function () {
    const obj = pod();
    at(obj, 'metadata')['labels'] = { anything: 'goes', nested: { x: 1 } };
    at(obj, 'spec')['containers'] = 'not a list';
    at(obj, 'spec')['securityContext'] = [{ nope: 1 }];
    assert.deepEqual(unknownFields(obj, 'Pod'), []);
    assert.deepEqual(unknownFields('text', 'Pod'), []);
    assert.deepEqual(unknownFields({ any: 1 }, 'Deployment'), []);
    const protoKeys: unknown = JSON.parse('{"constructor": 1, "__proto__": 2, "toString": 3}');
    assert.deepEqual(unknownFields(protoKeys, 'ConfigMap'), ['constructor', '__proto__', 'toString']);
  });

  it('skips patch directives and deletions in patches, but not in objects', function () {
    const patch = {
      metadata: { labels: { a: null } },
      spec: {
        template: {
          spec: {
            $setElementOrder$: 1,
            '$setElementOrder/containers': [{ name: 'main' }],
            containers: [{ name: 'main', $patch: 'delete' }, { name: 'side', imagePullPolcy: 'Always', '$deleteFromPrimitiveList/args': ['x'] }],
            $retainKeys: ['containers'],
            nodeSelecter: null,
          },
        },
      },
    };
    assert.deepEqual(unknownFields(patch, 'DaemonSet', { patch: true }), [
      'spec.template.spec.$setElementOrder$',
      'spec.template.spec.containers[1].imagePullPolcy',
    ]);
    assert.equal(unknownFields(patch, 'DaemonSet').length, 7);
  });
});
