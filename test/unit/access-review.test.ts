import assert from 'node:assert/strict';
import { decideAccess } from '../../server/apiserver/reviews.js';

const resource = (verb: string, res: string, group = '', subresource = ''): unknown => ({ resourceAttributes: { verb, resource: res, group, subresource } });

describe('SelfSubjectAccessReview by role', () => {
  /** [spec, admin allowed, viewer allowed, viewer reason part] */
  const TABLE: [string, unknown, boolean, boolean, RegExp][] = [
    ['get nodes', resource('get', 'nodes'), true, true, /may read/],
    ['list daemonsets.apps', resource('list', 'daemonsets', 'apps'), true, true, /may read/],
    ['watch pods', resource('watch', 'pods'), true, true, /may read/],
    ['get pods/log', resource('get', 'pods', '', 'log'), true, true, /may read/],
    ['create pods/exec', resource('create', 'pods', '', 'exec'), true, false, /read-only/],
    ['get pods/exec (the WebSocket upgrade)', resource('get', 'pods', '', 'exec'), true, false, /may not exec/],
    ['get pods/portforward', resource('get', 'pods', '', 'portforward'), true, false, /may not exec, attach or port-forward/],
    ['create pods', resource('create', 'pods'), true, false, /read-only/],
    ['update nodes', resource('update', 'nodes'), true, false, /read-only/],
    ['patch nodes/status', resource('patch', 'nodes', '', 'status'), true, false, /read-only/],
    ['delete daemonsets.apps', resource('delete', 'daemonsets', 'apps'), true, false, /read-only/],
    ['deletecollection pods', resource('deletecollection', 'pods'), true, false, /read-only/],
    ['* nodes', resource('*', 'nodes'), true, false, /read-only/],
    ['get secrets', resource('get', 'secrets'), true, false, /may not read Secrets/],
    ['list *', resource('list', '*'), true, false, /may not read Secrets/],
    ['get widgets (not served)', resource('get', 'widgets'), false, false, /does not serve/],
    ['get leases (read-only view)', resource('get', 'leases', 'coordination.k8s.io'), true, true, /may read/],
    ['get /version', { nonResourceAttributes: { verb: 'get', path: '/version' } }, true, true, /every signed-in token/],
    ['post /api', { nonResourceAttributes: { verb: 'post', path: '/api' } }, false, false, /does not serve/],
  ];
  for (const [name, spec, admin, viewer, reason] of TABLE) {
    it(`${name}: admin ${admin ? 'yes' : 'no'}, viewer ${viewer ? 'yes' : 'no'}`, () => {
      assert.equal(decideAccess(spec, 'admin').allowed, admin);
      const v = decideAccess(spec, 'viewer');
      assert.equal(v.allowed, viewer);
      assert.match(v.reason, reason);
    });
  }
});
