import assert from 'node:assert/strict';
import { QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR, parseQuantity, quantityValue } from '../../shared/api/quantity.js';

const GOOD: [unknown, number][] = [
  ['0', 0],
  ['1', 1],
  ['1.5', 1.5],
  ['.5', 0.5],
  ['500m', 0.5],
  ['100m', 0.1],
  ['0.1', 0.1],
  ['250u', 0.00025],
  ['5n', 5e-9],
  ['1k', 1000],
  ['1M', 1e6],
  ['1G', 1e9],
  ['2T', 2e12],
  ['1P', 1e15],
  ['1E', 1e18],
  ['1Ki', 1024],
  ['128Mi', 128 * 1024 * 1024],
  ['1.5Gi', 1.5 * 2 ** 30],
  ['1Ti', 2 ** 40],
  ['1Pi', 2 ** 50],
  ['1Ei', 2 ** 60],
  ['1e3', 1000],
  ['1E3', 1000],
  ['5e-3', 0.005],
  ['1.5e+2', 150],
  ['+2', 2],
  ['-1', -1],
  [' 64Mi ', 64 * 2 ** 20],
  [2, 2],
  [0.25, 0.25],
];

const BAD_FORMAT: unknown[] = ['', 'abc', '1 Mi', '1..5', '1/2', '.', '1KiB', '1Gb'];
const BAD_SUFFIX: unknown[] = ['1K', '1mi', '1e', '1kk', '1Mm', '--1'];

describe('quantity', () => {
  for (const [text, want] of GOOD) {
    it(`parses ${JSON.stringify(text)} as ${want}`, () => {
      assert.equal(parseQuantity(text, 'f'), want);
    });
  }

  for (const text of BAD_FORMAT) {
    it(`rejects ${JSON.stringify(text)} as malformed`, () => {
      const r = parseQuantity(text, 'spec.containers[0].resources.limits[cpu]');
      assert.equal(typeof r, 'object');
      assert.deepEqual(r, {
        field: 'spec.containers[0].resources.limits[cpu]',
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(text)}: ${QUANTITY_FORMAT_ERROR}`,
      });
    });
  }

  for (const text of BAD_SUFFIX) {
    it(`rejects ${JSON.stringify(text)} for its suffix`, () => {
      const r = parseQuantity(text, 'x');
      assert.ok(typeof r === 'object' && r.message.endsWith(QUANTITY_SUFFIX_ERROR), JSON.stringify(r));
    });
  }

  it('gives a type error for a non-string, non-number', () => {
    assert.deepEqual(parseQuantity(true, 'f'), { field: 'f', reason: 'FieldValueTypeInvalid', message: 'expected string or number, got boolean' });
    assert.deepEqual(parseQuantity({}, 'f'), { field: 'f', reason: 'FieldValueTypeInvalid', message: 'expected string or number, got object' });
  });

  it('gives the same number for equal quantities written differently', () => {
    assert.equal(parseQuantity('100m'), parseQuantity('0.1'));
    assert.equal(parseQuantity('1000m'), parseQuantity('1'));
    assert.equal(parseQuantity('1Gi'), parseQuantity('1024Mi'));
    assert.equal(parseQuantity('1k'), parseQuantity('1e3'));
  });

  it('quantityValue returns undefined for a bad quantity', () => {
    assert.equal(quantityValue('12Qi'), undefined);
    assert.equal(quantityValue('12Ki'), 12288);
  });
});
