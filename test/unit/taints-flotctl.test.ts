import assert from 'node:assert/strict';
import type { Taint } from '../../shared/api/taints.js';
import { CliError } from '../../server/flotctl/errors.js';
import { applyTaintChanges, parseTaintSpecs, splitTaintArgs, type TaintChanges } from '../../server/flotctl/commands/taint.js';

const NOW = '2026-01-01T00:00:00Z';
const OLD = '2025-06-01T00:00:00Z';

function cliError(message: string | RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof CliError && (typeof message === 'string' ? e.message === message : message.test(e.message));
}

describe('taints: flotctl taint syntax (kubectl ParseTaints)', () => {
  /** [spec, parsed] */
  const GOOD: [string[], TaintChanges][] = [
    [['dedicated=gpu:NoSchedule'], { add: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], remove: [] }],
    [['dedicated:NoExecute'], { add: [{ key: 'dedicated', effect: 'NoExecute' }], remove: [] }],
    [['example.com/zone=a:PreferNoSchedule'], { add: [{ key: 'example.com/zone', value: 'a', effect: 'PreferNoSchedule' }], remove: [] }],
    [['dedicated:NoSchedule-'], { add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] }],
    [['dedicated-'], { add: [], remove: [{ key: 'dedicated' }] }],
    [['dedicated=gpu:NoSchedule-'], { add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] }],
    [
      ['a=1:NoSchedule', 'a=1:NoExecute', 'b-'],
      {
        add: [
          { key: 'a', value: '1', effect: 'NoSchedule' },
          { key: 'a', value: '1', effect: 'NoExecute' },
        ],
        remove: [{ key: 'b' }],
      },
    ],
  ];
  for (const [specs, want] of GOOD) {
    it(`parses ${specs.join(' ')}`, () => assert.deepEqual(parseTaintSpecs(specs), want));
  }

  /** [specs, error] */
  const BAD: [string[], string | RegExp][] = [
    [['dedicated'], 'invalid taint spec: dedicated'],
    [['dedicated=gpu'], /^invalid taint spec: dedicated=gpu, invalid key/],
    [['k=v:Sometimes'], 'invalid taint effect: Sometimes, unsupported taint effect'],
    [['k=v=w:NoSchedule'], 'invalid taint spec: k=v=w:NoSchedule'],
    [['a:b:NoSchedule'], 'invalid taint spec: a:b:NoSchedule'],
    [['bad key!:NoSchedule'], /^invalid taint spec: bad key!:NoSchedule, invalid key/],
    [['k=bad value:NoSchedule'], /^invalid taint spec: k=bad value:NoSchedule, a valid label/],
    [['k=1:NoSchedule', 'k=2:NoSchedule'], 'duplicated taints with the same key and effect: k=2:NoSchedule'],
    [['k=1:NoSchedule', 'k:NoSchedule-'], 'can not both modify and remove the following taint(s) in the same command: k:NoSchedule'],
    [['k=1:NoSchedule', 'k-'], 'can not both modify and remove the following taint(s) in the same command: k'],
    [[], 'at least one taint update is required'],
  ];
  for (const [specs, message] of BAD) {
    it(`refuses ${specs.join(' ') || '(nothing)'}`, () => assert.throws(() => parseTaintSpecs(specs), cliError(message)));
  }

  it('splits resources from taint changes as kubectl does', () => {
    assert.deepEqual(splitTaintArgs(['nodes', 'a', 'b', 'k=v:NoSchedule', 'x-']), { resources: ['nodes', 'a', 'b'], specs: ['k=v:NoSchedule', 'x-'] });
    assert.deepEqual(splitTaintArgs(['node/a', 'k:NoExecute']), { resources: ['node/a'], specs: ['k:NoExecute'] });
    assert.throws(() => splitTaintArgs(['nodes', 'k:NoSchedule', 'b']), cliError('all resources must be specified before taint changes: b'));
  });
});

describe('taints: flotctl taint changes to a node', () => {
  const current: Taint[] = [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'maintenance', effect: 'NoExecute', timeAdded: OLD },
    { key: 'dedicated', value: 'gpu', effect: 'NoExecute', timeAdded: OLD },
  ];

  it('adds, appending; NoExecute gets timeAdded', () => {
    const r = applyTaintChanges('pi', current, parseTaintSpecs(['zone=a:NoExecute', 'zone=a:NoSchedule']), { overwrite: false, now: NOW });
    assert.equal(r.operation, 'tainted');
    assert.deepEqual(r.taints.slice(3), [
      { key: 'zone', value: 'a', effect: 'NoExecute', timeAdded: NOW },
      { key: 'zone', value: 'a', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(r.taints.slice(0, 3), current);
  });

  it('refuses an existing key+effect without --overwrite (kubectl message)', () => {
    assert.throws(
      () => applyTaintChanges('pi', current, parseTaintSpecs(['dedicated=cpu:NoSchedule', 'maintenance:NoExecute']), { overwrite: false, now: NOW }),
      cliError('node pi already has dedicated,maintenance taint(s) with same effect(s) and --overwrite is false'),
    );
  });

  it('--overwrite replaces in place: a changed value restarts timeAdded, the same one keeps it', () => {
    const r = applyTaintChanges('pi', current, parseTaintSpecs(['dedicated=cpu:NoExecute', 'maintenance:NoExecute']), { overwrite: true, now: NOW });
    assert.equal(r.operation, 'modified');
    assert.deepEqual(r.taints, [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'maintenance', effect: 'NoExecute', timeAdded: OLD },
      { key: 'dedicated', value: 'cpu', effect: 'NoExecute', timeAdded: NOW },
    ]);
  });

  it('removes by key and effect, or every effect of a key', () => {
    const one = applyTaintChanges('pi', current, parseTaintSpecs(['dedicated:NoSchedule-']), { overwrite: false, now: NOW });
    assert.equal(one.operation, 'untainted');
    assert.deepEqual(one.taints.map((t) => `${t.key}:${t.effect}`), ['maintenance:NoExecute', 'dedicated:NoExecute']);
    const all = applyTaintChanges('pi', current, parseTaintSpecs(['dedicated-']), { overwrite: false, now: NOW });
    assert.deepEqual(all.taints.map((t) => `${t.key}:${t.effect}`), ['maintenance:NoExecute']);
  });

  it('removing a taint that is not there fails (kubectl message)', () => {
    assert.throws(() => applyTaintChanges('pi', current, parseTaintSpecs(['zone:NoSchedule-']), { overwrite: false, now: NOW }), cliError('taint "zone:NoSchedule" not found'));
    assert.throws(() => applyTaintChanges('pi', [], parseTaintSpecs(['zone-']), { overwrite: false, now: NOW }), cliError('taint "zone" not found'));
  });

  it('adding and removing at once is "modified"', () => {
    const r = applyTaintChanges('pi', current, parseTaintSpecs(['zone=a:NoSchedule', 'maintenance-']), { overwrite: false, now: NOW });
    assert.equal(r.operation, 'modified');
    assert.deepEqual(r.taints.map((t) => `${t.key}:${t.effect}`), ['dedicated:NoSchedule', 'dedicated:NoExecute', 'zone:NoSchedule']);
  });
});
