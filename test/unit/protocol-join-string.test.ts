/** Join strings: the hub's address, the token and the pins in one URL (shared/protocol/join-string.ts). */
import assert from 'node:assert/strict';
import { caCertPin } from '../../shared/crypto/index.js';
import { formatJoinString, isJoinString, parseJoinString, ProtocolError } from '../../shared/protocol/index.js';
import { createCA } from '../../server/tls/certificates.js';

const TOKEN = 'abcdef.0123456789abcdef';
const PIN = `sha256:${'1'.repeat(64)}`;
const KEY = `sha256:${'2'.repeat(64)}`;

describe('protocol/join-string', () => {
  it('round-trips hub URL, token and both pins', () => {
    const j = { hubUrl: 'mqtts://hub.example:8883', token: TOKEN, caPin: PIN, keyPin: KEY };
    const s = formatJoinString(j);
    assert.equal(s, `mqtts://${TOKEN}@hub.example:8883/?ca=${PIN}&key=${KEY}`);
    assert.ok(isJoinString(s));
    assert.deepEqual(parseJoinString(s), j);
  });

  it('a bare token (the older form) is not a join string', () => assert.ok(!isJoinString(TOKEN)));

  const bad: [string, string][] = [
    ['no token', `mqtts://hub.example:8883/?ca=${PIN}&key=${KEY}`],
    ['no port', `mqtts://${TOKEN}@hub.example/?ca=${PIN}&key=${KEY}`],
    ['no CA pin over TLS', `mqtts://${TOKEN}@hub.example:8883/?key=${KEY}`],
    ['no key pin', `mqtts://${TOKEN}@hub.example:8883/?ca=${PIN}`],
    ['a short pin', `mqtts://${TOKEN}@hub.example:8883/?ca=sha256:abc&key=${KEY}`],
    ['an unknown parameter', `mqtts://${TOKEN}@hub.example:8883/?ca=${PIN}&key=${KEY}&trust=any`],
    ['another scheme', `https://${TOKEN}@hub.example:8883/?ca=${PIN}&key=${KEY}`],
  ];
  for (const [name, s] of bad) {
    it(`refuses ${name}, without echoing the token`, () => {
      assert.throws(
        () => parseJoinString(s),
        (e: unknown) => e instanceof ProtocolError && e.field === 'token' && !e.message.includes('0123456789abcdef'),
      );
    });
  }

  it('pins a CA by its public key, as kubeadm does', () => {
    const ca = createCA('pin-test', new Date());
    assert.match(caCertPin(ca.certPem), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(caCertPin(ca.certPem), caCertPin(createCA('pin-test', new Date()).certPem));
  });
});
