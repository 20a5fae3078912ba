/** Container probes and lifecycle hooks: one handler each, numeric settings non-negative. */
import type { FieldReader } from './reader.js';
import { NON_NEGATIVE, forbidden, inclusiveRange, invalid, invalidEach, notSupported, required, typeInvalid } from './field-errors.js';
import { isHTTPHeaderName, isValidPortName } from './names.js';

export type ProbeName = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket'] as const;
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'sleep'] as const;
const URI_SCHEMES = ['HTTP', 'HTTPS'] as const;

/** A port given as a number (1–65535) or an IANA port name of the container. */
export function validatePortNumOrName(r: FieldReader, name: string): void {
  const v = r.raw(name);
  const path = r.at(name);
  if (v === undefined) r.errs.push(required(path));
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) r.errs.push(typeInvalid(path, 'integer or string', v));
    else if (v < 1 || v > 65535) r.errs.push(invalid(path, v, inclusiveRange(1, 65535)));
  } else if (typeof v === 'string') r.errs.push(...invalidEach(path, v, isValidPortName(v)));
  else r.errs.push(typeInvalid(path, 'integer or string', v));
}

function validateExec(r: FieldReader): void {
  const command = r.stringArray('command');
  if (!r.has('command') || command?.length === 0) r.errs.push(required(r.at('command')));
}

function validateHTTPGet(r: FieldReader): void {
  r.string('path');
  r.string('host');
  validatePortNumOrName(r, 'port');
  const scheme = r.string('scheme');
  if (scheme && !(URI_SCHEMES as readonly string[]).includes(scheme)) r.errs.push(notSupported(r.at('scheme'), scheme, URI_SCHEMES));
  for (const { item } of r.records('httpHeaders') ?? []) {
    const name = item.requiredString('name');
    if (name) r.errs.push(...invalidEach(item.at('name'), name, isHTTPHeaderName(name)));
    item.string('value');
  }
}

/**
 * Checks that exactly one handler is set. Handlers Kubernetes knows but Flotilla does not
 * run (`grpc` probes, `tcpSocket` hooks) are reported as not supported.
 */
function validateHandler(r: FieldReader, supported: readonly string[], unsupported: readonly string[], what: string): void {
  let count = 0;
  for (const h of unsupported) {
    if (r.has(h)) {
      count++;
      r.errs.push(notSupported(r.at(h), h, supported, `Flotilla ${what} support ${supported.join(', ')}`));
    }
  }
  for (const h of supported) {
    if (!r.has(h)) continue;
    if (count++ > 0) {
      r.errs.push(forbidden(r.at(h), 'may not specify more than 1 handler type'));
      continue;
    }
    const h2 = r.record(h);
    if (!h2) continue;
    if (h === 'exec') validateExec(h2);
    else if (h === 'httpGet') validateHTTPGet(h2);
    else if (h === 'tcpSocket') {
      h2.string('host');
      validatePortNumOrName(h2, 'port');
    } else if (h === 'sleep') {
      const s = h2.int('seconds');
      if (s === undefined && !h2.has('seconds')) h2.errs.push(required(h2.at('seconds')));
      else if (s !== undefined && s < 0) h2.errs.push(invalid(h2.at('seconds'), s, NON_NEGATIVE));
    }
  }
  if (count === 0) r.errs.push(required(r.path, 'must specify a handler type'));
}

export function validateProbe(probe: FieldReader, kind: ProbeName): void {
  validateHandler(probe, PROBE_HANDLERS, ['grpc'], 'probes');
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    probe.nonNegativeInt(f);
  }
  const success = probe.int('successThreshold');
  if (kind !== 'readinessProbe' && success !== undefined && success !== 1) {
    probe.errs.push(invalid(probe.at('successThreshold'), success, 'must be 1'));
  }
  const grace = probe.int('terminationGracePeriodSeconds');
  if (grace !== undefined) {
    if (kind === 'readinessProbe') probe.errs.push(invalid(probe.at('terminationGracePeriodSeconds'), grace, 'must not be set for readinessProbes'));
    else if (grace <= 0) probe.errs.push(invalid(probe.at('terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  }
}

export function validateLifecycle(lifecycle: FieldReader): void {
  for (const hook of ['postStart', 'preStop']) {
    const h = lifecycle.record(hook);
    if (h) validateHandler(h, LIFECYCLE_HANDLERS, ['tcpSocket'], 'lifecycle hooks');
  }
}
