import assert from 'node:assert/strict';
import { parseImageRef } from '../../server/flotctl/image/registry-pull.js';

describe('flotctl image build: --preload-image references', () => {
  const D = `sha256:${'a'.repeat(64)}`;
  const table: [string, { registry: string; repository: string; reference: string } | undefined][] = [
    ['127.0.0.1:5000/flotilla/busybox:1.0', { registry: '127.0.0.1:5000', repository: 'flotilla/busybox', reference: '1.0' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', reference: 'latest' }],
    ['busybox', { registry: 'registry-1.docker.io', repository: 'library/busybox', reference: 'latest' }],
    ['grafana/agent:v0.40.0', { registry: 'registry-1.docker.io', repository: 'grafana/agent', reference: 'v0.40.0' }],
    [`ghcr.io/org/app@${D}`, { registry: 'ghcr.io', repository: 'org/app', reference: D }],
    ['Busybox', undefined],
    ['app:bad tag', undefined],
    ['app@sha256:short', undefined],
    ['./images/app.tar', undefined],
    ['reg.example:99999999/app', undefined],
  ];
  for (const [text, want] of table) {
    it(text, () => {
      const got = parseImageRef(text);
      assert.deepEqual(got && { registry: got.registry, repository: got.repository, reference: got.reference }, want);
    });
  }
});
