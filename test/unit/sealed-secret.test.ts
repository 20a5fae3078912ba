import assert from 'node:assert/strict';
import { generateIdentity, openSealed, sealTo } from '../../shared/crypto/index.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { openSecretObject, sealSecretObject, SEALED_DATA_FIELD } from '../../shared/protocol/index.js';

const secret = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, type: 'Opaque', data });

describe('sealed box (tweetnacl)', () => {
  const pi = generateIdentity();
  const other = generateIdentity();
  const msg = Buffer.from('distinctive secret bytes');

  it('opens with the recipient key, and with no other key', () => {
    const sealed = sealTo(pi.boxPublicKey, msg);
    assert.deepEqual(Buffer.from(openSealed(pi.boxSecretKey, sealed) ?? []), msg);
    assert.equal(openSealed(other.boxSecretKey, sealed), undefined);
  });

  it('uses a fresh sender key and nonce each time', () => {
    const a = sealTo(pi.boxPublicKey, msg);
    const b = sealTo(pi.boxPublicKey, msg);
    assert.notDeepEqual(a.subarray(0, 56), b.subarray(0, 56));
    assert.ok(!Buffer.from(a).includes(msg));
  });

  it('refuses altered or truncated ciphertext', () => {
    const sealed = sealTo(pi.boxPublicKey, msg);
    const flipped = Uint8Array.from(sealed);
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
    assert.equal(openSealed(pi.boxSecretKey, flipped), undefined);
    assert.equal(openSealed(pi.boxSecretKey, sealed.subarray(0, 40)), undefined);
  });
});

describe('sealed Secret objects', () => {
  const pi = generateIdentity();
  const other = generateIdentity();
  const data = { token: Buffer.from('hunter2-canary').toString('base64') };

  it('round-trips the data for the node and carries no clear data', () => {
    const sealed = sealSecretObject(secret('vault', data), 'pi', pi.boxPublicKey);
    assert.equal(sealed['data'], undefined);
    assert.equal(typeof sealed[SEALED_DATA_FIELD], 'string');
    assert.ok(!JSON.stringify(sealed).includes(data.token));
    assert.deepEqual(openSecretObject(sealed, 'pi', pi.boxSecretKey), secret('vault', data));
  });

  it("another node's key cannot open it", () => {
    const sealed = sealSecretObject(secret('vault', data), 'pi', pi.boxPublicKey);
    assert.equal(openSecretObject(sealed, 'pi', other.boxSecretKey), undefined);
  });

  it('a blob moved onto another Secret or read as another node does not open', () => {
    const sealed = sealSecretObject(secret('vault', data), 'pi', pi.boxPublicKey);
    const moved: KubeObject = { ...sealed, metadata: { name: 'other', namespace: 'shop' } };
    assert.equal(openSecretObject(moved, 'pi', pi.boxSecretKey), undefined);
    assert.equal(openSecretObject(sealed, 'pi-2', pi.boxSecretKey), undefined);
  });

  it('a Secret without sealed data (clear text) is not accepted', () => {
    assert.equal(openSecretObject(secret('vault', data), 'pi', pi.boxSecretKey), undefined);
  });
});
