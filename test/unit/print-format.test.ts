import assert from 'node:assert/strict';
import { formatAge, formatLabelSelector, humanDuration } from '../../shared/api/print-format.js';
import { ago, D, H, M, NOW, S } from '../support/ages.js';

describe('table: ages as kubectl prints them', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [-1500, '0s'],
    [-5 * S, '<invalid>'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 2 * S, '3m2s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 3 * M, '5h3m'],
    [20 * H + 10 * M, '20h'],
    [47 * H, '47h'],
    [2 * D + 4 * H, '2d4h'],
    [3 * D, '3d'],
    [7 * D + 23 * H, '7d23h'],
    [45 * D + 5 * H, '45d'],
    [729 * D, '729d'],
    [2 * 365 * D + 30 * D, '2y30d'],
    [9 * 365 * D, '9y'],
  ];
  for (const [ms, text] of cases) {
    it(`${ms} ms → ${text}`, () => assert.equal(humanDuration(ms), text));
  }

  it('formats a timestamp against now, <unknown> when missing or unparseable', () => {
    assert.equal(formatAge(ago(3 * M + 2 * S), NOW), '3m2s');
    assert.equal(formatAge(undefined, NOW), '<unknown>');
    assert.equal(formatAge('yesterday', NOW), '<unknown>');
  });
});

describe('table: label selectors', () => {
  it('formats matchLabels and matchExpressions sorted by key', () => {
    assert.equal(
      formatLabelSelector({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [
          { key: 'c', operator: 'In', values: ['y', 'x'] },
          { key: 'd', operator: 'NotIn', values: ['z'] },
          { key: 'e', operator: 'Exists' },
          { key: 'f', operator: 'DoesNotExist' },
        ],
      }),
      'a=1,b=2,c in (x,y),d notin (z),e,!f',
    );
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
  });
});
