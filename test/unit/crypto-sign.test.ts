import assert from 'node:assert/strict';
import { benchSign } from '../bench/sign.js';
import { KeyFormatError, createSigner, createVerifier, generateIdentity, naclSign, naclVerify } from '../../shared/crypto/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crypto/sign', () => {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const messages = ['', 'hello', 'x'.repeat(10_000), '\u0000binary\u00ff'].map(enc);

  for (const [i, msg] of messages.entries()) {
    it(`node:crypto and tweetnacl give byte-identical signatures (message ${i}, ${msg.length} bytes)`, () => {
      const fast = createSigner(alice.signingSecretKey)(msg);
      const slow = naclSign(alice.signingSecretKey, msg);
      assert.equal(fast.length, 64);
      assert.deepEqual(Buffer.from(fast), Buffer.from(slow));
    });
  }

  it('cross-verifies: node signature with tweetnacl, tweetnacl signature with node', () => {
    const msg = enc('desired state');
    assert.ok(naclVerify(alice.signingPublicKey, msg, createSigner(alice.signingSecretKey)(msg)));
    assert.ok(createVerifier(alice.signingPublicKey)(msg, naclSign(alice.signingSecretKey, msg)));
  });

  it('rejects a signature under the wrong key, with both verifiers', () => {
    const msg = enc('m');
    const sig = createSigner(alice.signingSecretKey)(msg);
    assert.equal(createVerifier(bob.signingPublicKey)(msg, sig), false);
    assert.equal(naclVerify(bob.signingPublicKey, msg, sig), false);
  });

  it('rejects a tampered message and a tampered signature', () => {
    const msg = enc('message');
    const sig = createSigner(alice.signingSecretKey)(msg);
    const verify = createVerifier(alice.signingPublicKey);
    assert.equal(verify(enc('messagf'), sig), false);
    assert.equal(naclVerify(alice.signingPublicKey, enc('messagf'), sig), false);
    const bad = Uint8Array.from(sig);
    bad[10] = (bad[10] ?? 0) ^ 1;
    assert.equal(verify(msg, bad), false);
    assert.equal(naclVerify(alice.signingPublicKey, msg, bad), false);
  });

  it('returns false (never throws) for signatures of the wrong length', () => {
    const verify = createVerifier(alice.signingPublicKey);
    for (const len of [0, 63, 65]) {
      assert.equal(verify(enc('m'), new Uint8Array(len)), false);
      assert.equal(naclVerify(alice.signingPublicKey, enc('m'), new Uint8Array(len)), false);
    }
  });

  it('refuses keys of the wrong size', () => {
    assert.throws(() => createSigner(new Uint8Array(32)), KeyFormatError);
    assert.throws(() => createVerifier(new Uint8Array(31)), KeyFormatError);
    assert.throws(() => naclSign(new Uint8Array(32), enc('m')), KeyFormatError);
  });

  it('refuses a secret key whose public half does not match its seed', () => {
    const mixed = Uint8Array.from([...alice.signingSecretKey.subarray(0, 32), ...bob.signingPublicKey]);
    assert.throws(() => createSigner(mixed), /public half does not match/);
  });

  it('benchSign reports positive rates for both implementations', () => {
    const r = benchSign(3);
    assert.ok(r.nodeCrypto > 0 && r.tweetnacl > 0);
    assert.throws(() => benchSign(0), RangeError);
  });
});
