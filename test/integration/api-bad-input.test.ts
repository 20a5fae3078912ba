/**
 * Bad input of every kind gets a 4xx Status that names the problem, and the store is unchanged:
 * the global resourceVersion does not move and the target object stays as it was.
 */
import assert from 'node:assert/strict';
import type { Status } from '../../shared/api/errors.js';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api, type ApiRequest } from '../support/http.js';
import { configMap, daemonSet, pod } from '../support/fixtures.js';

const NS = '/api/v1/namespaces/default';
const DS = '/apis/apps/v1/namespaces/default/daemonsets';

interface BadCase {
  name: string;
  path: string;
  req: ApiRequest;
  status: number;
  /** Must appear in the Status message or in a cause's field. */
  mentions: RegExp;
}

function withSpec(obj: KubeObject, mutate: (spec: Record<string, unknown>) => void): KubeObject {
  const copy = structuredClone(obj);
  mutate(copy['spec'] as Record<string, unknown>);
  return copy;
}

function firstContainer(spec: Record<string, unknown>): Record<string, unknown> {
  return (spec['containers'] as Record<string, unknown>[])[0] ?? {};
}

const post = (body: unknown): ApiRequest => ({ method: 'POST', body });

const CASES: BadCase[] = [
  { name: 'malformed JSON', path: `${NS}/configmaps`, req: { method: 'POST', rawBody: '{"apiVersion": "v1", "kind": ' }, status: 400, mentions: /not valid JSON/ },
  { name: 'malformed YAML', path: `${NS}/configmaps`, req: { method: 'POST', rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata: [name: x\n', contentType: 'application/yaml' }, status: 400, mentions: /not valid YAML/ },
  { name: 'empty body', path: `${NS}/configmaps`, req: { method: 'POST', rawBody: '' }, status: 400, mentions: /empty/ },
  { name: 'body is an array', path: `${NS}/configmaps`, req: post([configMap('x')]), status: 400, mentions: /not a map/ },
  { name: 'body is a string', path: `${NS}/configmaps`, req: post('hello'), status: 400, mentions: /not a map/ },
  { name: 'kind is not a string', path: `${NS}/configmaps`, req: post({ apiVersion: 'v1', kind: 7, metadata: { name: 'x' } }), status: 400, mentions: /kind/ },
  { name: 'apiVersion is not a string', path: `${NS}/configmaps`, req: post({ apiVersion: ['v1'], kind: 'ConfigMap', metadata: { name: 'x' } }), status: 400, mentions: /apiVersion/ },
  { name: 'kind does not match the URL', path: `${NS}/configmaps`, req: post({ ...configMap('x'), kind: 'Secret' }), status: 400, mentions: /does not match/ },
  { name: 'missing name', path: `${NS}/configmaps`, req: post({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }), status: 422, mentions: /metadata\.name/ },
  { name: 'invalid name (uppercase)', path: `${NS}/configmaps`, req: post(configMap('Bad_Name')), status: 422, mentions: /metadata\.name/ },
  { name: 'metadata is a string', path: `${NS}/configmaps`, req: post({ apiVersion: 'v1', kind: 'ConfigMap', metadata: 'x' }), status: 400, mentions: /metadata/ },
  { name: 'invalid label key', path: `${NS}/configmaps`, req: post(configMap('x', {}, { 'bad key!': 'v' })), status: 422, mentions: /metadata\.labels/ },
  { name: 'invalid label value', path: `${NS}/configmaps`, req: post(configMap('x', {}, { ok: 'spaces are not allowed' })), status: 422, mentions: /metadata\.labels/ },
  { name: 'label value too long', path: `${NS}/configmaps`, req: post(configMap('x', {}, { ok: 'v'.repeat(64) })), status: 422, mentions: /metadata\.labels/ },
  { name: 'annotation value not a string', path: `${NS}/configmaps`, req: post({ ...configMap('x'), metadata: { name: 'x', annotations: { a: 5 } } }), status: 422, mentions: /metadata\.annotations/ },
  { name: 'ConfigMap data value not a string', path: `${NS}/configmaps`, req: post({ ...configMap('x'), data: { a: 1 } }), status: 422, mentions: /data/ },
  { name: 'ConfigMap data key invalid', path: `${NS}/configmaps`, req: post(configMap('x', { 'a/b': 'x' })), status: 422, mentions: /data/ },
  { name: 'namespace mismatch', path: `${NS}/configmaps`, req: post({ ...configMap('x'), metadata: { name: 'x', namespace: 'kube-system' } }), status: 400, mentions: /namespace/ },
  { name: 'resourceVersion set on create', path: `${NS}/configmaps`, req: post({ ...configMap('x'), metadata: { name: 'x', resourceVersion: '5' } }), status: 400, mentions: /resourceVersion/ },
  { name: 'pod without containers', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (s['containers'] = []))), status: 422, mentions: /spec\.containers/ },
  { name: 'container without image', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => delete firstContainer(s)['image'])), status: 422, mentions: /spec\.containers\[0\]\.image/ },
  { name: 'containerPort wrong type', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (firstContainer(s)['ports'] = [{ containerPort: 'eighty' }]))), status: 422, mentions: /spec\.containers\[0\]\.ports\[0\]\.containerPort/ },
  { name: 'containerPort out of range', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (firstContainer(s)['ports'] = [{ containerPort: 70000 }]))), status: 422, mentions: /containerPort/ },
  { name: 'invalid memory quantity', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (firstContainer(s)['resources'] = { limits: { memory: '12 gigs' } }))), status: 422, mentions: /resources\.limits/ },
  { name: 'unknown restartPolicy', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (s['restartPolicy'] = 'Sometimes'))), status: 422, mentions: /spec\.restartPolicy/ },
  { name: 'unsupported volume source', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (s['volumes'] = [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }]))), status: 422, mentions: /spec\.volumes\[0\]/ },
  { name: 'bad toleration effect', path: `${NS}/pods`, req: post(withSpec(pod('x'), (s) => (s['tolerations'] = [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }]))), status: 422, mentions: /spec\.tolerations\[0\]\.effect/ },
  { name: 'DaemonSet selector does not match template', path: DS, req: post(withSpec(daemonSet('x'), (s) => (s['selector'] = { matchLabels: { app: 'other' } }))), status: 422, mentions: /selector/ },
  { name: 'DaemonSet without selector', path: DS, req: post(withSpec(daemonSet('x'), (s) => delete s['selector'])), status: 422, mentions: /spec\.selector/ },
  { name: 'unknown kind Service', path: `${NS}/services`, req: post({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }), status: 404, mentions: /Service/ },
  { name: 'retired apiVersion extensions/v1beta1', path: DS, req: post({ ...daemonSet('x'), apiVersion: 'extensions/v1beta1' }), status: 400, mentions: /apps\/v1/ },
  { name: 'oversized body', path: `${NS}/configmaps`, req: post(configMap('big', { blob: 'x'.repeat(4 * 1024 * 1024) })), status: 413, mentions: /too large/ },
  { name: 'unsupported patch content type', path: `${NS}/configmaps/keep`, req: { method: 'PATCH', body: { data: { a: 'x' } }, contentType: 'text/plain' }, status: 415, mentions: /media types/ },
  { name: 'JSON patch that is not a list', path: `${NS}/configmaps/keep`, req: { method: 'PATCH', body: { op: 'add' }, contentType: 'application/json-patch+json' }, status: 400, mentions: /patch/i },
  { name: 'JSON patch test that fails', path: `${NS}/configmaps/keep`, req: { method: 'PATCH', body: [{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'replace', path: '/data/a', value: 'changed' }], contentType: 'application/json-patch+json' }, status: 422, mentions: /test/ },
  { name: 'merge patch making data invalid', path: `${NS}/configmaps/keep`, req: { method: 'PATCH', body: { data: { a: ['x'] } }, contentType: 'application/merge-patch+json' }, status: 422, mentions: /data/ },
  { name: 'update changing the name', path: `${NS}/configmaps/keep`, req: { method: 'PUT', body: configMap('renamed') }, status: 400, mentions: /name/ },
  { name: 'bad labelSelector', path: `${NS}/configmaps?labelSelector=a%20in%20(b`, req: {}, status: 400, mentions: /labelSelector|selector/ },
  { name: 'bad limit', path: `${NS}/configmaps?limit=-3`, req: {}, status: 400, mentions: /limit/ },
  { name: 'apply without fieldManager', path: `${NS}/configmaps/keep`, req: { method: 'PATCH', rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n', contentType: 'application/apply-patch+yaml' }, status: 400, mentions: /fieldManager/ },
];

describe('bad input is refused with a Status naming the problem, and nothing is written', function () {
  let hub: HubHandle;
  let api: Api;
  let keep: KubeObject;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    keep = (await api<KubeObject>(`${NS}/configmaps`, { method: 'POST', body: configMap('keep', { a: 'original' }) })).body;
  });
  after(async function () {
    await hub?.dispose();
  });

  it(`has at least 25 cases (${CASES.length})`, function () {
    assert.ok(CASES.length >= 25);
  });

  for (const c of CASES) {
    it(c.name, async function () {
      const before = await api<KubeList>(`${NS}/configmaps`);
      const r = await api<Status>(c.path, c.req);
      assert.equal(r.status, c.status, `status for ${c.name}: ${r.text.slice(0, 300)}`);
      assert.equal(r.body.kind, 'Status', r.text.slice(0, 300));
      assert.equal(r.body.code, c.status);
      const named = [r.body.message, ...(r.body.details?.causes ?? []).map((x) => `${x.field} ${x.message}`)].join(' | ');
      assert.match(named, c.mentions);
      const after = await api<KubeList>(`${NS}/configmaps`);
      assert.equal(after.body.metadata.resourceVersion, before.body.metadata.resourceVersion, 'store changed');
      const still = await api<KubeObject>(`${NS}/configmaps/keep`);
      assert.deepEqual(still.body, keep);
    });
  }
});
