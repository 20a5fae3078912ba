import assert from 'node:assert/strict';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from '../../shared/api/validation/names.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function table(fn: (v: string) => string[], good: string[], bad: string[]): void {
  for (const v of good) {
    it(`accepts ${JSON.stringify(v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v)}`, () => {
      assert.deepEqual(fn(v), []);
    });
  }
  for (const v of bad) {
    it(`rejects ${JSON.stringify(v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v)}`, () => {
      assert.ok(fn(v).length > 0, `expected errors for ${v}`);
    });
  }
}

describe('validation/names', () => {
  describe('isDNS1123Label', () => {
    table(isDNS1123Label, ['a', 'abc', 'a-1', '0', '123-abc', 'a'.repeat(63)], ['', 'A', 'a_b', '-a', 'a-', 'a.b', 'a'.repeat(64), 'ä']);

    it('uses Kubernetes wording', () => {
      assert.deepEqual(isDNS1123Label('My_Name'), [LABEL_MSG]);
    });
    it('says a dotted name must not contain dots', () => {
      assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    });
    it('reports length separately', () => {
      assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
    });
  });

  describe('isDNS1123Subdomain', () => {
    table(
      isDNS1123Subdomain,
      ['a', 'example.com', 'a-b.c-d', '1.2.3', `${'a'.repeat(63)}.${'b'.repeat(63)}`, 'a'.repeat(253)],
      ['', 'Example.com', 'a..b', '.a', 'a.', '-a.b', 'a_b', 'a'.repeat(254)],
    );
    it('uses Kubernetes wording', () => {
      assert.deepEqual(isDNS1123Subdomain('Bad_Name'), [SUBDOMAIN_MSG]);
    });
    it('reports both length and format', () => {
      assert.equal(isDNS1123Subdomain(`${'a'.repeat(253)}_`).length, 2);
    });
  });

  describe('isQualifiedName (label and annotation keys)', () => {
    table(
      isQualifiedName,
      ['app', 'App_Name', 'my.name', '123-abc', 'example.com/MyName', 'kubernetes.io/hostname', 'a/b', `${'p'.repeat(253)}/${'n'.repeat(63)}`],
      ['', '/a', 'a/', 'a/b/c', '-a', 'a-', 'a b', 'Example.com/a', `${'p'.repeat(254)}/a`, 'n'.repeat(64), 'example.com/_a'],
    );
    it('names the part at fault', () => {
      assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
      assert.deepEqual(isQualifiedName('a/'), [
        'name part must be non-empty',
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ]);
      assert.deepEqual(isQualifiedName('n'.repeat(64)), ['name part must be no more than 63 characters']);
      assert.match(isQualifiedName('Bad.Prefix/x')[0] ?? '', /^prefix part a lowercase RFC 1123 subdomain/);
      assert.match(isQualifiedName('a/b/c')[0] ?? '', /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/'/);
    });
  });

  describe('isValidLabelValue', () => {
    table(isValidLabelValue, ['', 'v', 'MyValue', 'my_value', '1.0', 'a-b_c.d', 'x'.repeat(63)], ['-a', 'a-', 'a b', 'a/b', 'x'.repeat(64), '_']);
    it('uses Kubernetes wording', () => {
      assert.match(isValidLabelValue('a b')[0] ?? '', /^a valid label must be an empty string or consist of alphanumeric characters/);
    });
  });

  describe('isConfigMapKey', () => {
    table(isConfigMapKey, ['key', 'KEY_NAME', 'key.name', '.dockerconfigjson', 'tls.crt', 'a-b'], ['', 'a b', 'a/b', '.', '..', '..a', 'k'.repeat(254)]);
    it('explains a leading ..', () => {
      assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    });
  });

  describe('isValidPortName', () => {
    table(isValidPortName, ['http', 'metrics', 'h2c', 'web-1'], ['', '80', 'HTTP', 'a--b', '-a', 'a-', 'abcdefghijklmnop']);
  });

  describe('isEnvVarName', () => {
    table(isEnvVarName, ['PATH', 'my.var', 'A-B', '1ST', 'x y'], ['', 'A=B', 'tab\there', 'é']);
  });

  describe('isValidPercent', () => {
    table(isValidPercent, ['0%', '10%', '100%'], ['10', '%', '1.5%', '-1%', '']);
  });

  describe('generateName prefixes', () => {
    it('allow a trailing dash', () => {
      assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
      assert.deepEqual(nameIsDNSLabel('ns-', true), []);
    });
    it('do not allow it in a full name', () => {
      assert.ok(nameIsDNSSubdomain('web-', false).length > 0);
      assert.ok(nameIsDNSLabel('ns-').length > 0);
    });
  });
});
