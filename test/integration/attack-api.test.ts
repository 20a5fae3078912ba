/**
 * Attacks on the API's body decoding, against a real hub: a YAML anchor bomb and deeply nested
 * JSON are answered 400 (never 500, never a stored object), and the hub keeps serving.
 */
import assert from 'node:assert/strict';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';

/** "Billion laughs" in YAML: each level doubles ten-fold the nodes the previous one names. */
function yamlBomb(levels: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bomb', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(',')}]`);
  lines.push(`data: {x: *a${levels - 1}}`);
  return lines.join('\n') + '\n';
}

describe('attacks on the API body decoder (real hub)', function () {
  let hub: HubHandle;
  let api: Api;
  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
  });
  after(async function () {
    await hub?.dispose();
  });

  const CM = '/api/v1/namespaces/default/configmaps';

  it('a YAML anchor bomb is 400 and nothing is stored', async function () {
    const r = await api(CM, { method: 'POST', rawBody: yamlBomb(9), contentType: 'application/yaml' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /YAML/);
    assert.equal((await api(`${CM}/bomb`)).status, 404);
  });

  it('deeply nested JSON is 400 naming the depth, for create and for patch', async function () {
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const r = await api(CM, { method: 'POST', rawBody: deep });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /nested deeper than/);
    assert.equal((await api(`${CM}/deep`)).status, 404);
    assert.equal((await api(CM, { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' } } })).status, 201);
    const p = await api(`${CM}/ok`, { method: 'PATCH', rawBody: `{"data":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`, contentType: 'application/merge-patch+json' });
    assert.equal(p.status, 400, p.text);
  });

  it('the hub keeps serving', async function () {
    assert.equal((await api('/api/v1/namespaces')).status, 200);
  });
});
