import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import { FieldValidator, parseFieldValidation, unknownFields, warningHeader } from '../../shared/api/schema/index.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { at, daemonSet } from '../support/schema-objects.js';

describe('fieldValidation', function () {
  const typo = (): JsonObject => {
    const obj = daemonSet();
    at(obj, 'spec', 'template', 'spec', 'containers', 0)['imagePullPolcy'] = 'Always';
    at(obj, 'spec')['replica'] = 1;
    return obj;
  };

  it('parses Strict, Warn and Ignore, defaults to Warn, and refuses anything else naming the parameter', function () {
    assert.equal(parseFieldValidation(null), 'Warn');
    assert.equal(parseFieldValidation(''), 'Warn');
    for (const m of ['Strict', 'Warn', 'Ignore'] as const) assert.equal(parseFieldValidation(m), m);
    for (const bad of ['strict', 'true', 'Error']) {
      assert.throws(() => parseFieldValidation(bad), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 400);
        assert.equal(e.toStatus().details?.causes?.[0]?.field, 'fieldValidation');
        assert.match(e.message, /^fieldValidation: Unsupported value: ".*": supported values: "Ignore", "Strict", "Warn"$/);
        return true;
      });
    }
  });

  it('Strict refuses with every unknown field, as Kubernetes words it', function () {
    const v = new FieldValidator('Strict');
    assert.throws(() => v.check(typo(), 'DaemonSet'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 400);
      assert.equal(e.reason, 'BadRequest');
      assert.equal(e.message, 'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy", unknown field "spec.replica"');
      return true;
    });
    v.check(daemonSet(), 'DaemonSet');
  });

  it('Warn collects one warning header per field; Ignore collects nothing', function () {
    const warn = new FieldValidator('Warn');
    warn.check(typo(), 'DaemonSet');
    assert.deepEqual(warn.warningHeaders(), [
      '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolcy\\""',
      '299 - "unknown field \\"spec.replica\\""',
    ]);
    const ignore = new FieldValidator('Ignore');
    ignore.check(typo(), 'DaemonSet');
    assert.deepEqual(ignore.warningHeaders(), []);
  });

  it('Warn and Ignore drop unknown fields from what is stored, as Kubernetes does; Strict and the hub\'s own writes keep the body as it is', function () {
    const pruned = (v: FieldValidator): unknown => {
      const body = typo();
      try {
        v.check(body, 'DaemonSet');
      } catch {
        // Strict refuses; the body is what matters here
      }
      return body;
    };
    for (const mode of ['Warn', 'Ignore'] as const) {
      const body = pruned(new FieldValidator(mode));
      assert.deepEqual(unknownFields(body, 'DaemonSet'), [], `${mode} leaves no unknown field`);
      assert.equal(JSON.stringify(body).includes('imagePullPolcy'), false);
      assert.equal(JSON.stringify(body).includes('"image"'), true, 'known fields stay');
    }
    assert.deepEqual(pruned(new FieldValidator('Strict')), typo());
    assert.deepEqual(pruned(new FieldValidator('Ignore', false)), typo());
  });

  it('writes warning headers as bytes a header can carry', function () {
    assert.equal(warningHeader('a\\b'), '299 - "a\\\\b"');
    assert.equal(warningHeader('bad\nline'), undefined);
    assert.equal(warningHeader('é'), `299 - "${Buffer.from('é', 'utf8').toString('latin1')}"`);
  });
});
