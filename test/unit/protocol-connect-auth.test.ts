import assert from 'node:assert/strict';
import { createSigner, createVerifier, generateIdentity, naclVerify, toBase64Url } from '../../shared/crypto/index.js';
import {
  ProtocolError,
  connectMessage,
  formatBootstrapToken,
  generateBootstrapToken,
  isBootstrapToken,
  makeConnectPassword,
  nodeClientId,
  parseBootstrapToken,
  parseConnectPassword,
  verifyConnectPassword,
} from '../../shared/protocol/index.js';
import type { ConnectAttempt, ConnectRejection } from '../../shared/protocol/index.js';

const node = generateIdentity();
const other = generateIdentity();
const sign = createSigner(node.signingSecretKey);
const verify = createVerifier(node.signingPublicKey);
const NAME = 'pi-a';
const CID = nodeClientId(NAME);

describe('protocol/connect-auth', () => {
  it('signs exactly "flotilla-connect/v1\\0" + clientId + "\\0" + username + "\\0" + counter', () => {
    assert.equal(Buffer.from(connectMessage(CID, NAME, 42)).toString('utf8'), 'flotilla-connect/v1\0node:pi-a\0pi-a\x0042');
    const pw = makeConnectPassword(sign, CID, NAME, 42);
    const { counter, signature } = parseConnectPassword(pw);
    assert.equal(counter, 42);
    assert.ok(naclVerify(node.signingPublicKey, connectMessage(CID, NAME, 42), signature));
  });

  it('formats the password as v1.<counter>.<base64url signature>', () => {
    assert.match(makeConnectPassword(sign, CID, NAME, 7), /^v1\.7\.[A-Za-z0-9_-]{86}$/);
  });

  it('parses a password given as a Buffer (as the broker gets it)', () => {
    assert.equal(parseConnectPassword(Buffer.from(makeConnectPassword(sign, CID, NAME, 9))).counter, 9);
  });

  describe('verifyConnectPassword', () => {
    const attempt = (over: Partial<ConnectAttempt>): ConnectAttempt => ({
      clientId: CID,
      username: NAME,
      password: makeConnectPassword(sign, CID, NAME, 5),
      lastCounter: 4,
      ...over,
    });
    it('accepts a good password with a counter above the last accepted one', () => {
      assert.deepEqual(verifyConnectPassword(verify, attempt({})), { ok: true, node: NAME, counter: 5 });
    });
    it('accepts a jump in the counter', () => {
      assert.deepEqual(verifyConnectPassword(verify, attempt({ password: makeConnectPassword(sign, CID, NAME, 1_000_000), lastCounter: 4 })), { ok: true, node: NAME, counter: 1_000_000 });
    });
    const table: [string, Partial<ConnectAttempt>, ConnectRejection][] = [
      ['replayed counter (equal to the last accepted)', { lastCounter: 5 }, 'replayed'],
      ['older counter', { lastCounter: 100 }, 'replayed'],
      ['signed by another key', { password: makeConnectPassword(createSigner(other.signingSecretKey), CID, NAME, 5) }, 'bad-signature'],
      ['signed for another node, presented as this one', { password: makeConnectPassword(sign, nodeClientId('pi-b'), 'pi-b', 5) }, 'bad-signature'],
      ['counter edited after signing', { password: makeConnectPassword(sign, CID, NAME, 5).replace(/^v1\.5\./, 'v1.6.') }, 'bad-signature'],
      ['clientId not node:<username>', { clientId: 'node:pi-b' }, 'wrong-client-id'],
      ['username not a node name', { username: 'Pi A', clientId: 'node:Pi A' }, 'wrong-client-id'],
      ['missing password', { password: undefined }, 'malformed'],
      ['bootstrap token as password', { password: generateBootstrapToken() }, 'malformed'],
    ];
    for (const [name, over, reason] of table) {
      it(`refuses ${name} (${reason})`, () => {
        const r = verifyConnectPassword(verify, attempt(over));
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.reason, reason, r.message);
      });
    }
  });

  describe('parseConnectPassword refuses malformed passwords', () => {
    const sig = toBase64Url(new Uint8Array(64));
    const bad = [
      '',
      'v1',
      `v1..${sig}`,
      `v1.0.${sig}`,
      `v1.-1.${sig}`,
      `v1.01.${sig}`,
      `v1.1.5.${sig}`,
      `v1.99999999999999999.${sig}`,
      `v1.9007199254740992.${sig}`,
      `v1.1.${sig}=`,
      `v1.1.${sig.slice(1)}`,
      `v1.1.${toBase64Url(new Uint8Array(65))}`,
      `v1.1.${Buffer.alloc(64).toString('base64')}`,
      `v3.1.${sig}`,
      `V1.1.${sig}`,
      ` v1.1.${sig}`,
    ];
    for (const pw of bad) {
      it(JSON.stringify(pw.length > 30 ? `${pw.slice(0, 27)}...` : pw), () => {
        assert.throws(() => parseConnectPassword(pw), (e: unknown) => e instanceof ProtocolError && e.field === 'password');
      });
    }
    it('says so when the version is unsupported', () => assert.throws(() => parseConnectPassword(`v3.1.${sig}`), /unsupported password version/));
  });

  describe('v2: bound to the TLS session (a withheld CONNECT is worthless elsewhere)', () => {
    const sessionA = new Uint8Array(32).fill(1);
    const sessionB = new Uint8Array(32).fill(2);
    const base = { clientId: CID, username: NAME, lastCounter: 0 };
    it('passes on the session it was made for', () => {
      const password = makeConnectPassword(sign, CID, NAME, 3, sessionA);
      assert.match(password, /^v2\.3\./);
      assert.deepEqual(verifyConnectPassword(verify, { ...base, password, binding: sessionA }), { ok: true, node: NAME, counter: 3 });
    });
    const cases: [string, () => ConnectAttempt, ConnectRejection][] = [
      ['replayed on another TLS session, counter never used', () => ({ ...base, password: makeConnectPassword(sign, CID, NAME, 3, sessionA), binding: sessionB }), 'bad-signature'],
      ['a v1 password over TLS', () => ({ ...base, password: makeConnectPassword(sign, CID, NAME, 3), binding: sessionA }), 'unbound'],
      ['a v2 password over plain TCP', () => ({ ...base, password: makeConnectPassword(sign, CID, NAME, 3, sessionA) }), 'unbound'],
    ];
    for (const [name, attempt, reason] of cases) {
      it(`refuses ${name}`, () => {
        const r = verifyConnectPassword(verify, attempt());
        assert.equal(r.ok ? 'ok' : r.reason, reason);
      });
    }
  });

  it('connectMessage refuses counters outside 1..2^53-1', () => {
    for (const c of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) assert.throws(() => connectMessage(CID, NAME, c), ProtocolError);
  });
});

describe('protocol/bootstrap-token', () => {
  it('generates tokens in the Kubernetes format, different each time', () => {
    const t = generateBootstrapToken();
    assert.match(t, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.ok(isBootstrapToken(t));
    assert.notEqual(t, generateBootstrapToken());
  });
  it('parses into id and secret and formats back', () => {
    const t = parseBootstrapToken('abcdef.0123456789abcdef');
    assert.deepEqual(t, { id: 'abcdef', secret: '0123456789abcdef' });
    assert.equal(formatBootstrapToken(t), 'abcdef.0123456789abcdef');
    assert.deepEqual(parseBootstrapToken(Buffer.from('abcdef.0123456789abcdef')), t);
  });
  for (const bad of ['', 'abcdef', 'abcdef.', 'abcde.0123456789abcdef', 'abcdefg.0123456789abcdef', 'ABCDEF.0123456789abcdef', 'abcdef.0123456789abcdeF', 'abcdef:0123456789abcdef', 'abcdef.0123456789abcdef\n', 'abcdef.0123456789abcde']) {
    it(`refuses ${JSON.stringify(bad)} without echoing it`, () => {
      assert.throws(
        () => parseBootstrapToken(bad),
        (e: unknown) => e instanceof ProtocolError && e.field === 'token' && (bad.length < 8 || !e.message.includes(bad.slice(7))),
      );
    });
  }
});
