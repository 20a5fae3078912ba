import assert from 'node:assert/strict';
import {
  KeyFormatError,
  constantTimeEqual,
  fromBase64,
  fromBase64Url,
  generateIdentity,
  identityFromJson,
  identityToJson,
  keyFingerprint,
  keyId,
  randomString,
  randomToken,
  toBase64,
  toBase64Url,
} from '../../shared/crypto/index.js';
import type { IdentityJson } from '../../shared/crypto/index.js';
import nacl from 'tweetnacl';

describe('crypto/identity', () => {
  const id = generateIdentity();
  const other = generateIdentity();

  it('generates keys of the expected sizes', () => {
    assert.equal(id.signingPublicKey.length, 32);
    assert.equal(id.signingSecretKey.length, 64);
    assert.equal(id.boxPublicKey.length, 32);
    assert.equal(id.boxSecretKey.length, 32);
  });

  it('makes keys tweetnacl agrees with: box and signatures work across both', () => {
    for (let i = 0; i < 20; i++) {
      const k = generateIdentity();
      const sign = nacl.sign.keyPair.fromSeed(k.signingSecretKey.subarray(0, 32));
      assert.deepEqual(sign.secretKey, k.signingSecretKey);
      assert.deepEqual(sign.publicKey, k.signingPublicKey);
      assert.deepEqual(nacl.box.keyPair.fromSecretKey(k.boxSecretKey).publicKey, k.boxPublicKey);
    }
    const other = generateIdentity();
    const nonce = new Uint8Array(24);
    const boxed = nacl.box(Buffer.from('hello'), nonce, other.boxPublicKey, id.boxSecretKey);
    assert.equal(Buffer.from(nacl.box.open(boxed, nonce, id.boxPublicKey, other.boxSecretKey) ?? []).toString(), 'hello');
  });

  it('round-trips through the JSON file shape (and through JSON text)', () => {
    const json = identityToJson(id);
    assert.equal(json.version, 1);
    const back = identityFromJson(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(Buffer.from(back.signingSecretKey), Buffer.from(id.signingSecretKey));
    assert.deepEqual(Buffer.from(back.signingPublicKey), Buffer.from(id.signingPublicKey));
    assert.deepEqual(Buffer.from(back.boxSecretKey), Buffer.from(id.boxSecretKey));
    assert.deepEqual(Buffer.from(back.boxPublicKey), Buffer.from(id.boxPublicKey));
  });

  const good = identityToJson(id);
  const bad: [string, unknown, string, RegExp][] = [
    ['not an object', 'x', 'identity', /expected a JSON object/],
    ['missing version', { ...good, version: undefined }, 'version', /unsupported identity file version/],
    ['version 2', { ...good, version: 2 }, 'version', /unsupported identity file version 2/],
    ['missing signingPublicKey', { ...good, signingPublicKey: undefined }, 'signingPublicKey', /expected base64 string/],
    ['numeric boxSecretKey', { ...good, boxSecretKey: 7 }, 'boxSecretKey', /expected base64 string, got number/],
    ['signingSecretKey of 32 bytes', { ...good, signingSecretKey: toBase64(new Uint8Array(32)) }, 'signingSecretKey', /expected 64 bytes, got 32/],
    ['boxPublicKey of 33 bytes', { ...good, boxPublicKey: toBase64(new Uint8Array(33)) }, 'boxPublicKey', /expected 32 bytes, got 33/],
    ['signingPublicKey not base64', { ...good, signingPublicKey: 'not base64!' }, 'signingPublicKey', /not valid base64/],
    ['unpadded base64', { ...good, boxPublicKey: good.boxPublicKey.replace(/=+$/, '') }, 'boxPublicKey', /not valid base64/],
    ['signing public key of another identity', { ...good, signingPublicKey: toBase64(other.signingPublicKey) }, 'signingPublicKey', /does not match/],
    [
      'signing secret key whose public half is not its own',
      { ...good, signingSecretKey: toBase64(Uint8Array.from([...id.signingSecretKey.subarray(0, 32), ...other.signingPublicKey])) },
      'signingSecretKey',
      /public half does not match/,
    ],
    ['box public key of another identity', { ...good, boxPublicKey: toBase64(other.boxPublicKey) }, 'boxPublicKey', /does not match boxSecretKey/],
  ];
  for (const [name, json, field, message] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      assert.throws(
        () => identityFromJson(json),
        (e: unknown) => e instanceof KeyFormatError && e.field === field && message.test(e.message) && e.message.startsWith(`${field}: `),
      );
    });
  }

  it('keeps the JSON shape exactly as documented', () => {
    const keys: (keyof IdentityJson)[] = ['version', 'signingPublicKey', 'signingSecretKey', 'boxPublicKey', 'boxSecretKey'];
    assert.deepEqual(Object.keys(good).sort(), [...keys].sort());
  });
});

describe('crypto/base64, digest, random', () => {
  const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  it('round-trips base64 and base64url', () => {
    assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
    assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes);
  });
  for (const s of ['AAE', 'AA==AA==', 'AAE=\n', 'A B=', '-_8=', 'AAF=']) {
    it(`fromBase64 refuses ${JSON.stringify(s)}`, () => assert.equal(fromBase64(s), undefined));
  }
  for (const s of ['AAE=', 'a+b/', 'A', 'AAF', 'ab cd']) {
    it(`fromBase64Url refuses ${JSON.stringify(s)}`, () => assert.equal(fromBase64Url(s), undefined));
  }
  it('keyId is 16 base64url chars and keyFingerprint is sha256 hex, both stable', () => {
    const k = new Uint8Array(32).fill(7);
    assert.match(keyId(k), /^[A-Za-z0-9_-]{16}$/);
    assert.equal(keyId(k), keyId(Uint8Array.from(k)));
    assert.match(keyFingerprint(k), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(keyId(k), keyId(new Uint8Array(32)));
  });
  it('randomToken gives base64url of the asked size, different each time', () => {
    const a = randomToken(16);
    assert.equal(fromBase64Url(a)?.length, 16);
    assert.notEqual(a, randomToken(16));
    assert.throws(() => randomToken(0), RangeError);
  });
  it('randomString draws only from the alphabet', () => {
    assert.match(randomString(200, 'ab'), /^[ab]{200}$/);
  });
  it('constantTimeEqual compares contents of any length', () => {
    assert.ok(constantTimeEqual('abc', 'abc'));
    assert.ok(!constantTimeEqual('abc', 'abd'));
    assert.ok(!constantTimeEqual('abc', 'abcd'));
    assert.ok(constantTimeEqual(Buffer.from('xyz'), 'xyz'));
  });
});
