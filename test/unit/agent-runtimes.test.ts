import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { controlFile, DEVICE_PATHS, wrapperScript } from '../../firmware-images/packaging/deb.js';
import { DEB_ARCHES, MIN_NODE, RUNTIMES } from '../../firmware-images/packaging/runtimes.js';
import { REPO_ROOT } from '../support/hub.js';

function atLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

describe('agent package runtimes meet engines', () => {
  it("MIN_NODE is package.json's engines", async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
    assert.equal(pkg.engines?.node, `>=${MIN_NODE}`);
  });

  for (const arch of DEB_ARCHES) {
    it(`${arch}: the runtime is at least ${MIN_NODE}, and the package says which it runs on`, () => {
      const rt = RUNTIMES[arch];
      const control = controlFile(arch, '0.1.0', 1);
      if (rt.kind === 'bundled') {
        assert.ok(atLeast(rt.version, MIN_NODE), `${rt.npmPackage} ${rt.version} < ${MIN_NODE}`);
        assert.match(wrapperScript(arch), new RegExp(`^exec ${DEVICE_PATHS.node} `, 'm'));
        assert.match(control, new RegExp(`Ships its own Node.js runtime \\(${rt.npmPackage} ${rt.version}\\)`));
        assert.doesNotMatch(control, /nodejs/);
      } else {
        assert.match(control, new RegExp(`^Depends: .*nodejs \\(>= ${MIN_NODE.replace('.', '\\.')}\\)`, 'm'));
        assert.match(wrapperScript(arch), new RegExp(`^exec ${rt.node} `, 'm'));
      }
    });
  }
});
