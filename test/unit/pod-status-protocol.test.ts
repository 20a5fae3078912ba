/** The wire additions for pod status and logs: `deleted` in pod reports, `podUid` in logs commands. */
import assert from 'node:assert/strict';
import { decodeAgentMessage, decodeHubMessage, encode, ProtocolError } from '../../shared/protocol/index.js';
import type { LogsCommand, PodsMessage } from '../../shared/protocol/index.js';

const bytes = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), 'utf8');

describe('protocol: pods message `deleted` marker', () => {
  const base = { v: 1, t: 'pods', pods: [{ uid: 'u1', namespace: 'default', name: 'web', status: { phase: 'Running' } }] };

  it('round-trips a report with deleted: true', () => {
    const msg: PodsMessage = { v: 1, t: 'pods', pods: [{ uid: 'u1', namespace: 'default', name: 'web', status: {}, deleted: true }] };
    assert.deepEqual(decodeAgentMessage('pods', encode(msg)), msg);
  });

  it('leaves `deleted` out when absent or false', () => {
    assert.equal(decodeAgentMessage('pods', bytes(base)).pods[0]?.deleted, undefined);
    const withFalse = { ...base, pods: [{ ...base.pods[0], deleted: false }] };
    const decoded = decodeAgentMessage('pods', bytes(withFalse)).pods[0];
    assert.ok(decoded);
    assert.equal('deleted' in decoded, false);
  });

  const bad: [string, unknown, string][] = [
    ['a string', 'yes', 'pods[0].deleted'],
    ['a number', 1, 'pods[0].deleted'],
    ['null', null, 'pods[0].deleted'],
  ];
  for (const [name, value, field] of bad) {
    it(`refuses deleted as ${name}, naming ${field}`, () => {
      const msg = { ...base, pods: [{ ...base.pods[0], deleted: value }] };
      assert.throws(
        () => decodeAgentMessage('pods', bytes(msg)),
        (e: unknown) => e instanceof ProtocolError && e.field === field && /expected boolean/.test(e.message),
      );
    });
  }

  it('still requires a status object with deleted (the last one seen; {} will do)', () => {
    const msg = { ...base, pods: [{ uid: 'u1', namespace: 'default', name: 'web', deleted: true }] };
    assert.throws(() => decodeAgentMessage('pods', bytes(msg)), (e: unknown) => e instanceof ProtocolError && e.field === 'pods[0].status');
  });
});

describe('protocol: logs command `podUid`', () => {
  const cmd: LogsCommand = { v: 1, t: 'cmd', cmd: 'logs', streamId: 'abc_DEF-123', namespace: 'default', pod: 'web', podUid: '3f1c-uid', container: 'main', follow: true, tailLines: 10, timestamps: false };

  it('round-trips with and without podUid', () => {
    assert.deepEqual(decodeHubMessage('cmd', encode(cmd)), cmd);
    const { podUid: _dropped, ...without } = cmd;
    assert.deepEqual(decodeHubMessage('cmd', encode(without)), without);
  });

  it('refuses a podUid that is not a non-empty string of at most 128 characters', () => {
    for (const podUid of ['', 7, 'x'.repeat(129)]) {
      assert.throws(() => decodeHubMessage('cmd', bytes({ ...cmd, podUid })), (e: unknown) => e instanceof ProtocolError && e.field === 'podUid');
    }
  });

  it('drops fields it does not know', () => {
    const decoded = decodeHubMessage('cmd', bytes({ ...cmd, shell: 'rm -rf /' }));
    assert.equal('shell' in decoded, false);
  });
});
