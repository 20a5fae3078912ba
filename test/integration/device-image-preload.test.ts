// `flotctl image build --preload-image REF` pulls the image from the local registry through the
// registry API into an archive in the image, which real Docker loads; a registry serving a blob
// that does not match its digest, or an unknown image, is refused and nothing is written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deviceToolsMissing, sh, type BaseImage } from '../support/device-artifacts.js';
import { flotctlImageBuild, imageBuildRig, OFFLINE_JOIN, rootStat, type ImageBuildRig } from '../support/device-readback.js';
import { REGISTRY_URL, requireService, TEST_IMAGE } from '../support/env.js';

const JOIN = OFFLINE_JOIN;
const ARCHIVE = `/var/cache/flotilla/preload/${TEST_IMAGE.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`;

/** A registry on loopback whose only layer does not match the digest its manifest gives. */
function lyingRegistry(): Promise<Server> {
  const layer = Buffer.from('not the layer you asked for');
  const config = Buffer.from('{}');
  const digest = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const claimed = `sha256:${'3'.repeat(64)}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: claimed, size: layer.length }],
  });
  const server = createServer((req, res) => {
    if (req.url?.includes('/manifests/')) res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    else if (req.url?.endsWith(digest(config))) res.end(config);
    else if (req.url?.endsWith(claimed)) res.end(layer);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('device image: --preload-image pulls an image reference from its registry', function () {
  this.timeout(1_200_000);
  let rig: ImageBuildRig | undefined;
  let base: BaseImage;
  let deb = '';
  let work = '';
  const build = flotctlImageBuild;

  before(async function () {
    await requireService('device tools (root, qemu-user binfmt, mmdebstrap, dpkg, mtools, e2fsprogs)', async () => (await deviceToolsMissing()) === '', this);
    await requireService(`the local registry (${REGISTRY_URL})`, async () => (await fetch(`${REGISTRY_URL}/v2/`)).ok, this);
    rig = await imageBuildRig('dos', 'preload-test-');
    ({ base, deb, work } = rig);
  });

  after(async () => {
    await rig?.dispose();
  });

  it('pulls 127.0.0.1:5000/flotilla/busybox:1.0 into the image; docker load takes the archive as that image', async () => {
    const out = join(work, 'pulled.img');
    const r = await build(['--base', base.path, '-o', out, '--join', JOIN, '--agent-deb', deb, '--preload-image', TEST_IMAGE]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await rootStat({ ...base, path: out }, ARCHIVE), { type: 'regular', mode: '0644', uid: '0', gid: '0' });
    const local = join(work, 'archive.tar');
    await sh('debugfs', ['-R', `dump ${ARCHIVE} ${local}`, `${out}?offset=${base.root.offset}`]);
    // What the registry says the image is, asked independently.
    const manifest = (await (await fetch(`${REGISTRY_URL}/v2/flotilla/busybox/manifests/1.0`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } })).json()) as { config: { digest: string } };
    const loaded = await sh('docker', ['load', '-i', local]);
    assert.match(loaded, new RegExp(`Loaded image: ${TEST_IMAGE.replace(/[.]/g, '\\.')}`));
    assert.equal((await sh('docker', ['image', 'inspect', TEST_IMAGE, '--format', '{{.Id}}'])).trim(), manifest.config.digest);
  });

  it('refuses a blob that does not match its digest, an unknown image and a bad reference; writes nothing', async () => {
    const liar = await lyingRegistry();
    try {
      const port = (liar.address() as AddressInfo).port;
      const cases: [string, RegExp][] = [
        [`127.0.0.1:${port}/evil/app:1`, /blob sha256:3{64} arrived with digest sha256:[0-9a-f]{64}: refused/],
        ['127.0.0.1:5000/flotilla/no-such-image:1.0', /127\.0\.0\.1:5000\/flotilla\/no-such-image:1\.0: manifests 1\.0: the registry answered 404/],
        ['Not_An/Image', /--preload-image Not_An\/Image: neither a file nor an image reference/],
      ];
      for (const [ref, err] of cases) {
        const out = join(work, 'refused.img');
        const r = await build(['--base', base.path, '-o', out, '--join', JOIN, '--agent-deb', deb, '--preload-image', ref]);
        assert.equal(r.code, 1, ref);
        assert.match(r.stderr, err, ref);
        assert.ok(!existsSync(out) && !existsSync(`${out}.partial`), `${ref}: nothing written`);
      }
    } finally {
      liar.close();
    }
  });
});
