import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { fieldSelectorIndexHint, fieldValue, matchesFields, parseFieldSelector } from '../../shared/api/field-selector.js';
import { labelSelectorFromSpec, labelSelectorToString, matchesLabels, parseLabelSelector } from '../../shared/api/label-selector.js';

const LABELS = { app: 'web', tier: 'front', version: '3', empty: '' };

/** [selector, matches LABELS] */
const LABEL_CASES: [string, boolean][] = [
  ['', true],
  ['app=web', true],
  ['app==web', true],
  ['app = web', true],
  ['app=db', false],
  ['app!=db', true],
  ['app!=web', false],
  ['missing!=x', true],
  ['app in (web,db)', true],
  ['app in (db)', false],
  ['app notin (db, cache)', true],
  ['app notin (web)', false],
  ['missing notin (x)', true],
  ['missing in (x)', false],
  ['app', true],
  ['missing', false],
  ['!missing', true],
  ['!app', false],
  ['app=web,tier=front', true],
  ['app=web,tier=back', false],
  ['app=web, !missing, tier in (front)', true],
  ['empty=', true],
  ['empty', true],
  ['app=', false],
  ['version>2', true],
  ['version>3', false],
  ['version<4', true],
  ['app>1', false],
  ['missing<10', false],
  ['in=x', false],
  ['app in (web,)', true],
  ['empty in (,x)', true],
  ['example.com/role', false],
];

/** [selector, text the error must contain] */
const BAD_LABEL_SELECTORS: [string, string][] = [
  ['app in (web', "found '', expected: ',', ')' or identifier"],
  ['app in web', "found 'web', expected: '('"],
  ['app=web,', "found '', expected: identifier after ','"],
  [',app', "found ',', expected: !, identifier, or 'end of string'"],
  ['app web', "found 'web', expected: '=', '!=', '==', 'in', 'notin', '>', '<'"],
  ['app=web tier=x', "found 'tier', expected: ',' or 'end of string'"],
  ['!app=web', "found '=', expected: ',' or 'end of string'"],
  ['bad key=x', "found 'key'"],
  ['Bad_Key-=x', 'invalid label key "Bad_Key-"'],
  ['app=bad value!', "found 'value'"],
  ['app=-bad', 'invalid label value: "-bad"'],
  ['version>x', "for 'Gt', 'Lt' operators"],
  ['a/b/c=x', 'invalid label key "a/b/c"'],
  ['app=(x)', "found '(', expected: identifier"],
];

describe('selectors', () => {
  describe('parseLabelSelector + matchesLabels', () => {
    for (const [text, want] of LABEL_CASES) {
      it(`${JSON.stringify(text)} ${want ? 'matches' : 'does not match'}`, () => {
        assert.equal(matchesLabels(parseLabelSelector(text), LABELS), want);
      });
    }

    it('treats absent labels as an empty set', () => {
      assert.equal(matchesLabels(parseLabelSelector('!app'), undefined), true);
      assert.equal(matchesLabels(parseLabelSelector('app'), undefined), false);
    });

    it('produces requirements with sorted, de-duplicated values', () => {
      assert.deepEqual(parseLabelSelector('a in (z, y, z), !b').requirements, [
        { key: 'a', operator: 'In', values: ['y', 'z'] },
        { key: 'b', operator: 'DoesNotExist', values: [] },
      ]);
    });

    for (const [text, fragment] of BAD_LABEL_SELECTORS) {
      it(`rejects ${JSON.stringify(text)}`, () => {
        assert.throws(
          () => parseLabelSelector(text),
          (e: unknown) => {
            assert.ok(e instanceof ApiError);
            assert.equal(e.code, 400);
            assert.equal(e.reason, 'BadRequest');
            assert.equal(e.details?.causes?.[0]?.field, 'labelSelector');
            assert.ok(e.message.startsWith('labelSelector: '), e.message);
            assert.ok(e.message.includes(fragment), `${e.message} should include ${fragment}`);
            return true;
          },
        );
      });
    }

    it('round-trips through labelSelectorToString', () => {
      const text = 'app=web,tier!=back,env in (dev,prod),x notin (1),has,!gone,n>1,m<9';
      assert.equal(labelSelectorToString(parseLabelSelector(text)), text);
    });
  });

  describe('labelSelectorFromSpec', () => {
    const cases: [unknown, Record<string, string> | undefined, boolean][] = [
      [{ matchLabels: { app: 'web' } }, LABELS, true],
      [{ matchLabels: { app: 'db' } }, LABELS, false],
      [{ matchLabels: { app: 'web', tier: 'front' } }, LABELS, true],
      [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }, LABELS, true],
      [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, LABELS, false],
      [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, LABELS, true],
      [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, LABELS, false],
      [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['3'] }] }, LABELS, false],
      [{}, LABELS, true],
      [{}, undefined, true],
      [undefined, LABELS, false],
      [null, LABELS, false],
    ];
    for (const [spec, labels, want] of cases) {
      it(`${JSON.stringify(spec)} ${want ? 'matches' : 'does not match'}`, () => {
        assert.equal(matchesLabels(labelSelectorFromSpec(spec), labels), want);
      });
    }

    const bad: unknown[] = [
      'app=web',
      { matchLabels: { app: 1 } },
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      { matchExpressions: [{ key: 'bad key', operator: 'Exists' }] },
    ];
    for (const spec of bad) {
      it(`rejects ${JSON.stringify(spec)}`, () => {
        assert.throws(() => labelSelectorFromSpec(spec), (e: unknown) => e instanceof ApiError && e.code === 400);
      });
    }
  });

  describe('field selectors', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'prod' },
      spec: { nodeName: 'pi-7', restartPolicy: 'Always', schedulerName: 'default-scheduler', containers: [] },
      status: { phase: 'Running', podIP: '10.0.0.7' },
    };
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-7' }, spec: { unschedulable: true } };
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.1', namespace: 'prod' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'prod', uid: 'u-1' },
      reason: 'Pulled',
      type: 'Normal',
      reportingComponent: 'flotilla-agent',
    };

    const cases: [KubeObject, string, boolean][] = [
      [pod, '', true],
      [pod, 'metadata.name=web-1', true],
      [pod, 'metadata.name==web-1', true],
      [pod, 'metadata.name!=web-1', false],
      [pod, 'metadata.namespace=prod', true],
      [pod, 'spec.nodeName=pi-7', true],
      [pod, 'spec.nodeName=', false],
      [pod, 'spec.nodeName!=', true],
      [pod, 'status.phase=Running,spec.restartPolicy=Always', true],
      [pod, 'status.phase=Running,spec.restartPolicy=Never', false],
      [pod, 'status.podIP=10.0.0.7', true],
      [pod, 'spec.schedulerName=default-scheduler', true],
      [pod, 'spec.hostNetwork=false', true],
      [pod, 'spec.hostNetwork=true', false],
      [{ ...pod, spec: { hostNetwork: true } }, 'spec.hostNetwork=true', true],
      [{ ...pod, spec: {} }, 'spec.nodeName=', true],
      [node, 'spec.unschedulable=true', true],
      [node, 'spec.unschedulable!=true', false],
      [{ ...node, spec: {} }, 'spec.unschedulable=false', true],
      [node, 'metadata.namespace=', true],
      [event, 'involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.uid=u-1', true],
      [event, 'involvedObject.namespace=other', false],
      [event, 'reason=Pulled,type=Normal', true],
      [event, 'source=flotilla-agent', true],
      [{ ...event, source: { component: 'kubelet' } }, 'source=kubelet', true],
    ];
    for (const [obj, text, want] of cases) {
      it(`${obj.kind} ${JSON.stringify(text)} ${want ? 'matches' : 'does not match'}`, () => {
        assert.equal(matchesFields(parseFieldSelector(text, obj.kind), obj), want);
      });
    }

    it('unescapes \\, \\= and \\\\ in values', () => {
      assert.deepEqual(parseFieldSelector('metadata.name=a\\,b\\=c\\\\d', 'Pod'), [{ field: 'metadata.name', operator: '=', value: 'a,b=c\\d' }]);
    });

    it('renders missing fields as the empty string', () => {
      assert.equal(fieldValue(pod, 'status.nominatedNodeName'), '');
    });

    const bad: [string, string, string][] = [
      ['spec.nodeName=x', 'Node', 'field label not supported: spec.nodeName'],
      ['metadata.labels=x', 'Pod', 'field label not supported: metadata.labels'],
      ['type=Opaque', 'ConfigMap', 'field label not supported: type'],
      ['status.phase', 'Pod', "invalid selector: 'status.phase'; can't understand 'status.phase'"],
      ['metadata.name=a=b', 'Pod', 'unescaped character'],
      ['metadata.name=a\\x', 'Pod', 'invalid escape sequence'],
    ];
    for (const [text, kind, fragment] of bad) {
      it(`rejects ${JSON.stringify(text)} for ${kind}`, () => {
        assert.throws(
          () => parseFieldSelector(text, kind),
          (e: unknown) => {
            assert.ok(e instanceof ApiError);
            assert.equal(e.code, 400);
            assert.equal(e.details?.causes?.[0]?.field, 'fieldSelector');
            assert.ok(e.message.includes(fragment), `${e.message} should include ${fragment}`);
            return true;
          },
        );
      });
    }

    it('accepts the per-kind fields Kubernetes supports', () => {
      for (const [kind, text] of [
        ['Secret', 'type=Opaque'],
        ['Namespace', 'status.phase=Active'],
        ['DaemonSet', 'metadata.name=x,metadata.namespace=y'],
        ['ControllerRevision', 'metadata.name=x'],
        ['Event', 'involvedObject.apiVersion=v1,involvedObject.resourceVersion=1,involvedObject.fieldPath=x'],
      ] as const) {
        assert.equal(parseFieldSelector(text, kind).length > 0, true, `${kind} ${text}`);
      }
    });

    const hints: [string, { field: string; value: string } | undefined][] = [
      ['', undefined],
      ['status.phase=Running', undefined],
      ['metadata.name!=a', undefined],
      ['status.phase=Running,spec.nodeName=pi-1', { field: 'spec.nodeName', value: 'pi-1' }],
      ['metadata.namespace=ns,metadata.name=a', { field: 'metadata.namespace', value: 'ns' }],
      ['spec.nodeName==', { field: 'spec.nodeName', value: '' }],
    ];
    for (const [text, want] of hints) {
      it(`index hint for ${JSON.stringify(text)}`, () => {
        assert.deepEqual(fieldSelectorIndexHint(parseFieldSelector(text, 'Pod')), want);
      });
    }
  });
});
