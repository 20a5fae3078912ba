import assert from 'node:assert/strict';
import { parseSimArgs, parseTokenArg } from '../sim/options.js';

const TOKEN = 'abcdef.0123456789abcdef';
const PIN = `sha256:${'a'.repeat(64)}`;
const KEY = `sha256:${'b'.repeat(64)}`;

describe('fleet simulator command line', () => {
  it('takes a bare token or a join string, pinning the join string\'s hub key and CA', () => {
    assert.deepEqual(parseTokenArg(TOKEN), { token: TOKEN });
    assert.deepEqual(parseTokenArg(`mqtts://${TOKEN}@hub.example:8883/?ca=${PIN}&key=${KEY}`), { token: TOKEN, hubKeyFingerprint: KEY, caPin: PIN });
    assert.throws(() => parseTokenArg('hello'), /--token/);
  });

  it('names the flag of a bad value', () => {
    const base = ['--hub', 'mqtt://127.0.0.1:1883', '--token', TOKEN];
    assert.equal(parseSimArgs([...base, '--nodes', '5']).nodes, 5);
    assert.equal(parseSimArgs([...base, '--nodes', '5', '--duration', '10m']).durationMs, 600_000);
    assert.throws(() => parseSimArgs([...base, '--nodes', '0']), /--nodes/);
    assert.throws(() => parseSimArgs([...base, '--nodes', '2', '--crash-rate', '2']), /--crash-rate/);
    const delays = parseSimArgs([...base, '--nodes', '1', '--image-pull-delay', 'reg.example:5000/app:2=2s', '--image-pull-delay', 'app:1=0']).imagePullDelaysMs;
    assert.deepEqual([...delays], [['reg.example:5000/app:2', 2000], ['app:1', 0]]);
    assert.throws(() => parseSimArgs([...base, '--nodes', '1', '--image-pull-delay', 'app:2']), /--image-pull-delay/);
    assert.throws(() => parseSimArgs(['--hub', 'http://x', '--token', TOKEN, '--nodes', '1']), /--hub/);
  });
});
