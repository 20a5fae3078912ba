import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { containerProbes, describeHandler, parseProbe, type NamedPort, type ParsedProbe, type ProbeKind, type ProbeSpec } from '../../agent/probes/spec.js';

const PORTS: NamedPort[] = [
  { name: 'http', containerPort: 8080 },
  { name: 'db', containerPort: 5432 },
];

const DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };

interface Case {
  name: string;
  kind?: ProbeKind;
  raw: unknown;
  ports?: NamedPort[];
  /** The parsed probe without `kind`, or the start of the error. */
  want: Omit<ProbeSpec, 'kind'> | { error: string };
}

const CASES: Case[] = [
  { name: 'exec with every default', raw: { exec: { command: ['cat', '/tmp/healthy'] } }, want: { ...DEFAULTS, handler: { type: 'exec', command: ['cat', '/tmp/healthy'] } } },
  {
    name: 'zeros are unset, except initialDelaySeconds',
    raw: { exec: { command: ['true'] }, initialDelaySeconds: 0, periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0 },
    want: { ...DEFAULTS, handler: { type: 'exec', command: ['true'] } },
  },
  {
    name: 'explicit settings are kept',
    kind: 'readiness',
    raw: { tcpSocket: { port: 80 }, initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 7, terminationGracePeriodSeconds: 9 },
    want: { initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 7, handler: { type: 'tcpSocket', port: 80 } },
  },
  { name: 'httpGet defaults: HTTP, path /, no host, no headers', raw: { httpGet: { port: 8080 } }, want: { ...DEFAULTS, handler: { type: 'httpGet', scheme: 'HTTP', port: 8080, path: '/', headers: [] } } },
  {
    name: 'httpGet with everything',
    raw: { httpGet: { scheme: 'HTTPS', host: '10.0.0.5', port: 8443, path: '/healthz?full=1', httpHeaders: [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'example' }] } },
    want: {
      ...DEFAULTS,
      handler: { type: 'httpGet', scheme: 'HTTPS', host: '10.0.0.5', port: 8443, path: '/healthz?full=1', headers: [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'example' }] },
    },
  },
  { name: 'httpGet path without a leading slash', raw: { httpGet: { port: 80, path: 'ready' } }, want: { ...DEFAULTS, handler: { type: 'httpGet', scheme: 'HTTP', port: 80, path: '/ready', headers: [] } } },
  { name: 'httpGet named port', raw: { httpGet: { port: 'http', path: '/' } }, ports: PORTS, want: { ...DEFAULTS, handler: { type: 'httpGet', scheme: 'HTTP', port: 8080, path: '/', headers: [] } } },
  { name: 'tcpSocket named port', raw: { tcpSocket: { port: 'db' } }, ports: PORTS, want: { ...DEFAULTS, handler: { type: 'tcpSocket', port: 5432 } } },
  { name: 'a digit string that names no port is the number', raw: { tcpSocket: { port: '9090' } }, ports: PORTS, want: { ...DEFAULTS, handler: { type: 'tcpSocket', port: 9090 } } },
  { name: 'unknown port name', raw: { httpGet: { port: 'metrics' } }, ports: PORTS, want: { error: 'httpGet.port: the container has no port named "metrics" (named ports: http, db)' } },
  { name: 'port name without any named ports', raw: { tcpSocket: { port: 'http' } }, want: { error: 'tcpSocket.port: the container has no port named "http" (it has no named ports)' } },
  { name: 'port missing', raw: { httpGet: { path: '/' } }, want: { error: 'httpGet.port is required' } },
  { name: 'port out of range', raw: { tcpSocket: { port: 70000 } }, want: { error: 'tcpSocket.port must be between 1 and 65535' } },
  { name: 'no handler', raw: { periodSeconds: 5 }, want: { error: 'must specify a handler type (exec, httpGet or tcpSocket)' } },
  { name: 'two handlers', raw: { exec: { command: ['true'] }, httpGet: { port: 80 } }, want: { error: 'may not specify more than 1 handler type, got exec and httpGet' } },
  { name: 'grpc is not supported', raw: { grpc: { port: 9000 } }, want: { error: 'grpc probes are not supported by Flotilla' } },
  { name: 'exec without a command', raw: { exec: { command: [] } }, want: { error: 'exec.command is required' } },
  { name: 'exec command not strings', raw: { exec: { command: ['sh', 1] } }, want: { error: 'exec.command must be a list of strings' } },
  { name: 'bad scheme', raw: { httpGet: { port: 80, scheme: 'FTP' } }, want: { error: 'httpGet.scheme must be HTTP or HTTPS' } },
  { name: 'negative period', raw: { exec: { command: ['true'] }, periodSeconds: -1 }, want: { error: 'periodSeconds must not be negative' } },
  { name: 'fractional timeout', raw: { exec: { command: ['true'] }, timeoutSeconds: 1.5 }, want: { error: 'timeoutSeconds must be an integer' } },
  { name: 'liveness successThreshold must be 1', kind: 'liveness', raw: { exec: { command: ['true'] }, successThreshold: 2 }, want: { error: 'successThreshold must be 1 for liveness probes, got 2' } },
  { name: 'startup successThreshold must be 1', kind: 'startup', raw: { exec: { command: ['true'] }, successThreshold: 3 }, want: { error: 'successThreshold must be 1 for startup probes, got 3' } },
  { name: 'not an object', raw: 'httpGet', want: { error: 'must be an object' } },
  { name: 'header with a line break', raw: { httpGet: { port: 80, httpHeaders: [{ name: 'X', value: 'a\r\nB: c' }] } }, want: { error: 'httpGet.httpHeaders must not contain line breaks' } },
];

describe('probes: spec parsing with Kubernetes defaults', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const kind = c.kind ?? 'liveness';
      const got: ParsedProbe = parseProbe(kind, c.raw, c.ports ?? []);
      if ('error' in c.want) {
        assert.equal(got.ok, false, `expected an error, got ${JSON.stringify(got)}`);
        if (!got.ok) assert.ok(got.error.startsWith(c.want.error), `error "${got.error}" should start with "${c.want.error}"`);
      } else {
        assert.ok(got.ok, `expected a probe, got ${JSON.stringify(got)}`);
        assert.deepEqual(got.probe, { kind, ...c.want });
      }
    });
  }

  it('reads every probe of the named container, init (sidecar) containers too', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', uid: 'u' },
      spec: {
        initContainers: [{ name: 'sidecar', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 1 } } }],
        containers: [
          {
            name: 'app',
            ports: [{ name: 'web', containerPort: 3000 }],
            livenessProbe: { httpGet: { port: 'web' } },
            readinessProbe: { exec: {} },
          },
          { name: 'plain' },
        ],
      },
    };
    const app = containerProbes(pod, 'app');
    assert.equal(app.found, true);
    assert.deepEqual(Object.keys(app.probes).sort(), ['liveness', 'readiness']);
    const live = app.probes.liveness;
    assert.ok(live?.ok);
    assert.equal(live.probe.handler.type === 'httpGet' && live.probe.handler.port, 3000);
    assert.deepEqual(app.probes.readiness, { ok: false, error: 'exec.command is required' });
    assert.deepEqual(containerProbes(pod, 'plain'), { found: true, probes: {} });
    assert.equal(containerProbes(pod, 'sidecar').probes.readiness?.ok, true);
    assert.deepEqual(containerProbes(pod, 'nope'), { found: false, probes: {} });
  });

  it('describes handlers as kubectl does', () => {
    assert.equal(describeHandler({ type: 'exec', command: ['cat', '/tmp/x'] }), 'exec [cat /tmp/x]');
    assert.equal(describeHandler({ type: 'httpGet', scheme: 'HTTP', port: 80, path: '/healthz', headers: [] }), 'http-get http://:80/healthz');
    assert.equal(describeHandler({ type: 'tcpSocket', host: 'db', port: 5432 }), 'tcp-socket db:5432');
  });
});
