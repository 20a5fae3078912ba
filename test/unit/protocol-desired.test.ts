import assert from 'node:assert/strict';
import { createSigner, createVerifier, generateIdentity, keyId, naclVerify, toBase64Url } from '../../shared/crypto/index.js';
import { DESIRED_DOMAIN, DesiredRejected, canonicalJson, openDesired, sealDesired } from '../../shared/protocol/index.js';
import type { DesiredRejection, DesiredState } from '../../shared/protocol/index.js';

const hub = generateIdentity();
const impostor = generateIdentity();
const sign = createSigner(hub.signingSecretKey);
const verify = createVerifier(hub.signingPublicKey);

const STATE: DesiredState = {
  node: 'pi-a',
  seq: 17,
  issuedAt: '2024-05-01T12:00:00Z',
  pods: [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', uid: 'u1', labels: { app: 'web' } },
      spec: { nodeName: 'pi-a', containers: [{ name: 'app', image: 'busybox' }] },
    },
  ],
  configMaps: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } }],
  secrets: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { p: 'cw==' } }],
};

type Envelope = { v: unknown; t: unknown; payload: unknown; sig: unknown; kid?: unknown };
const parse = (b: Uint8Array): Envelope => JSON.parse(Buffer.from(b).toString('utf8')) as Envelope;
const wire = (e: unknown): Buffer => Buffer.from(JSON.stringify(e));
/** Signs arbitrary payload bytes as the hub would, to test the schema check after the signature. */
function signedEnvelope(payload: Buffer): Buffer {
  const sig = sign(Buffer.concat([Buffer.from(DESIRED_DOMAIN), payload]));
  return wire({ v: 1, t: 'desired', payload: toBase64Url(payload), sig: toBase64Url(sig) });
}

function rejects(fn: () => unknown, reason: DesiredRejection, field?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DesiredRejected, `expected DesiredRejected, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    return true;
  });
}

describe('protocol/desired', () => {
  const sealed = sealDesired(STATE, sign, { kid: keyId(hub.signingPublicKey) });

  it('opens a good envelope to the same state', () => {
    assert.deepEqual(openDesired(sealed, verify, { node: 'pi-a', minSeq: 0 }), STATE);
  });

  it('returns a duplicate (seq === minSeq) for the caller to detect', () => {
    assert.equal(openDesired(sealed, verify, { node: 'pi-a', minSeq: 17 }).seq, 17);
  });

  it('has the documented envelope, payload as canonical JSON, signature over the domain-separated payload', () => {
    const env = parse(sealed);
    assert.deepEqual(Object.keys(env).sort(), ['kid', 'payload', 'sig', 't', 'v']);
    assert.equal(env.v, 1);
    assert.equal(env.t, 'desired');
    assert.equal(env.kid, keyId(hub.signingPublicKey));
    const payload = Buffer.from(String(env.payload), 'base64url');
    assert.equal(payload.toString('utf8'), canonicalJson(STATE));
    const sig = Buffer.from(String(env.sig), 'base64url');
    assert.ok(naclVerify(hub.signingPublicKey, Buffer.concat([Buffer.from('flotilla-desired/v1\0'), payload]), sig));
    assert.ok(!naclVerify(hub.signingPublicKey, payload, sig), 'signature must not cover the bare payload');
  });

  it('seals deterministically (same state, same bytes)', () => {
    const reordered: DesiredState = { secrets: STATE.secrets, configMaps: STATE.configMaps, pods: STATE.pods, issuedAt: STATE.issuedAt, seq: 17, node: 'pi-a' };
    assert.deepEqual(sealDesired(reordered, sign), sealDesired(STATE, sign));
  });

  it('rejects a tampered payload as bad-signature', () => {
    const env = parse(sealed);
    const tampered = canonicalJson({ ...STATE, pods: [] });
    rejects(() => openDesired(wire({ ...env, payload: toBase64Url(Buffer.from(tampered)) }), verify, { node: 'pi-a', minSeq: 0 }), 'bad-signature');
  });

  it('rejects a tampered signature as bad-signature', () => {
    const env = parse(sealed);
    const sig = Buffer.from(String(env.sig), 'base64url');
    sig[0] = (sig[0] ?? 0) ^ 0x80;
    rejects(() => openDesired(wire({ ...env, sig: toBase64Url(sig) }), verify, { node: 'pi-a', minSeq: 0 }), 'bad-signature');
  });

  it('rejects a document signed by another key as bad-signature', () => {
    const forged = sealDesired(STATE, createSigner(impostor.signingSecretKey));
    rejects(() => openDesired(forged, verify, { node: 'pi-a', minSeq: 0 }), 'bad-signature');
  });

  it('rejects a document for another node as wrong-node', () => {
    rejects(() => openDesired(sealDesired({ ...STATE, node: 'pi-b' }, sign), verify, { node: 'pi-a', minSeq: 0 }), 'wrong-node');
  });

  it('rejects an older seq as stale', () => {
    rejects(() => openDesired(sealed, verify, { node: 'pi-a', minSeq: 18 }), 'stale');
  });

  it('checks the signature before node and seq (a forged stale document is bad-signature)', () => {
    const forged = sealDesired({ ...STATE, node: 'pi-b', seq: 1 }, createSigner(impostor.signingSecretKey));
    rejects(() => openDesired(forged, verify, { node: 'pi-a', minSeq: 5 }), 'bad-signature');
  });

  describe('malformed envelopes', () => {
    const env = parse(sealed);
    const cases: [string, Uint8Array, string][] = [
      ['empty', Buffer.alloc(0), 'payload'],
      ['not JSON', Buffer.from('{'), 'payload'],
      ['a JSON array', wire([]), 'payload'],
      ['version 2', wire({ ...env, v: 2 }), 'v'],
      ['wrong t', wire({ ...env, t: 'status' }), 't'],
      ['payload missing', wire({ ...env, payload: undefined }), 'payload'],
      ['payload not base64url', wire({ ...env, payload: 'a+b/' }), 'payload'],
      ['sig missing', wire({ ...env, sig: undefined }), 'sig'],
      ['sig short', wire({ ...env, sig: toBase64Url(new Uint8Array(63)) }), 'sig'],
      ['kid a number', wire({ ...env, kid: 1 }), 'kid'],
      ['oversized', Buffer.concat([sealed, Buffer.alloc(10, 0x20)]), 'payload'],
    ];
    for (const [name, buf, field] of cases) {
      it(`${name} → malformed (${field})`, () => rejects(() => openDesired(buf, verify, { node: 'pi-a', minSeq: 0, maxBytes: name === 'oversized' ? sealed.length : undefined }), 'malformed', field));
    }
  });

  describe('signed but malformed payloads (schema checked after the signature)', () => {
    const cases: [string, unknown, string][] = [
      ['payload not JSON', 'not json', 'payload'],
      ['pods not an array', { ...STATE, pods: {} }, 'payload.pods'],
      ['pod without metadata', { ...STATE, pods: [{ apiVersion: 'v1', kind: 'Pod' }] }, 'payload.pods[0].metadata'],
      ['pod metadata without name', { ...STATE, pods: [{ apiVersion: 'v1', kind: 'Pod', metadata: {} }] }, 'payload.pods[0].metadata.name'],
      ['secret of the wrong kind', { ...STATE, secrets: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }] }, 'payload.secrets[0].kind'],
      ['configMap labels not strings', { ...STATE, configMaps: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 1 } } }] }, 'payload.configMaps[0].metadata.labels[a]'],
      ['seq negative', { ...STATE, seq: -1 }, 'payload.seq'],
      ['seq a string', { ...STATE, seq: '17' }, 'payload.seq'],
      ['node missing', { ...STATE, node: undefined }, 'payload.node'],
      ['secrets missing', { ...STATE, secrets: undefined }, 'payload.secrets'],
    ];
    for (const [name, payload, field] of cases) {
      it(`${name} → malformed (${field})`, () => {
        const bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
        rejects(() => openDesired(signedEnvelope(bytes), verify, { node: 'pi-a', minSeq: 0 }), 'malformed', field);
      });
    }
  });

  it('sealDesired refuses a state it must not send', () => {
    assert.throws(() => sealDesired({ ...STATE, node: 'Pi/A' }, sign), TypeError);
    assert.throws(() => sealDesired({ ...STATE, seq: 1.5 }, sign), TypeError);
    assert.throws(() => sealDesired({ ...STATE, pods: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, n: Number.NaN }] }, sign), TypeError);
  });
});

describe('protocol/canonical-json', () => {
  const cases: [unknown, string][] = [
    [{ b: 1, a: [3, { d: null, c: 'x' }] }, '{"a":[3,{"c":"x","d":null}],"b":1}'],
    [{ a: undefined, b: true }, '{"b":true}'],
    [{ '\u00e9': 1, z: 2, A: 3 }, '{"A":3,"z":2,"\u00e9":1}'],
    ['he said "hi"\n', '"he said \\"hi\\"\\n"'],
    [1e21, '1e+21'],
    [-0, '0'],
    [[], '[]'],
  ];
  for (const [v, text] of cases) it(`${text}`, () => assert.equal(canonicalJson(v), text));
  for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, () => 1, 1n, new Date(0), undefined, [undefined]]) {
    it(`refuses ${typeof bad === 'bigint' ? '1n' : String(bad)}`, () => assert.throws(() => canonicalJson(bad), TypeError));
  }
});
