/** How the agent may reach its hub: join strings, bare tokens, and plain links (agent/link-policy.ts). */
import assert from 'node:assert/strict';
import { resolveLinkPolicy, type LinkPolicyInput } from '../../agent/config/link-policy.js';
import { formatJoinString } from '../../shared/protocol/index.js';

const TOKEN = 'abcdef.0123456789abcdef';
const CA = `sha256:${'c'.repeat(64)}`;
const KEY = `sha256:${'a'.repeat(64)}`;
const JOIN = formatJoinString({ hubUrl: 'mqtts://hub.example:8883', token: TOKEN, caPin: CA, keyPin: KEY });
const WHERE = { hub: '--hub', token: '--token', fingerprint: '--hub-key-fingerprint' };

function run(over: Partial<LinkPolicyInput>): ReturnType<typeof resolveLinkPolicy> {
  return resolveLinkPolicy({ insecureLink: false, where: WHERE, ...over });
}

describe('agent link policy', () => {
  it('takes address, token and both pins from a join string', () => {
    assert.deepEqual(run({ token: JOIN }), { ok: true, policy: { hubUrl: 'mqtts://hub.example:8883', token: TOKEN, hubCaPin: CA, hubKeyFingerprint: KEY, insecure: false } });
  });

  it('lets --hub override the join string address but keeps its pins', () => {
    const r = run({ token: JOIN, hubUrl: 'mqtts://10.0.0.5:8883' });
    assert.ok(r.ok);
    assert.equal(r.policy.hubUrl, 'mqtts://10.0.0.5:8883');
    assert.equal(r.policy.hubCaPin, CA);
  });

  const refusals: [string, Partial<LinkPolicyInput>, string][] = [
    ['plain mqtt:// to another machine', { hubUrl: 'mqtt://hub.example:1883', token: TOKEN, hubKeyFingerprint: KEY }, '--hub: mqtt:// to hub.example is not encrypted'],
    ['plain ws:// to another machine', { hubUrl: 'ws://10.1.2.3/mqtt' }, '--hub: ws:// to 10.1.2.3 is not encrypted'],
    ['a bare token to another machine with no key pin', { hubUrl: 'mqtts://hub.example:8883', token: TOKEN }, '--token: a bare bootstrap token does not say which hub to trust'],
    ['a key pin that contradicts the join string', { token: JOIN, hubKeyFingerprint: `sha256:${'b'.repeat(64)}` }, '--hub-key-fingerprint: differs from the hub key pinned by the join string'],
    ['a join string without a CA pin for mqtts', { token: `mqtts://${TOKEN}@hub.example:8883/?key=${KEY}` }, '--token: join string: ca= must be'],
    ['no hub at all', {}, "--hub: required: the hub's MQTT URL"],
  ];
  for (const [name, input, want] of refusals) {
    it(`refuses ${name}`, () => {
      const r = run(input);
      assert.ok(!r.ok, 'expected a refusal');
      const text = r.problems.map((p) => `${p.where}: ${p.message}`).join('\n');
      assert.ok(text.includes(want), text);
      assert.ok(!text.includes('0123456789abcdef'), 'the token secret is never echoed');
    });
  }

  it('allows plain MQTT to loopback, and to another machine with --insecure-link (marked insecure)', () => {
    const local = run({ hubUrl: 'mqtt://127.0.0.1:1883', token: TOKEN });
    assert.ok(local.ok && !local.policy.insecure);
    const far = run({ hubUrl: 'mqtt://hub.example:1883', insecureLink: true, hubKeyFingerprint: KEY });
    assert.ok(far.ok && far.policy.insecure);
  });
});
