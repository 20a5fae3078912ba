import assert from 'node:assert/strict';
import type { ContainerEngine, ExecResult } from '../../agent/engine/types.js';
import { createProbeRunner } from '../../agent/probes/default-runner.js';
import { execBounded, execOutcome, type BoundedExec } from '../../agent/probes/exec-runner.js';
import { EXIT_NO_TOOL, EXIT_TIMED_OUT, IN_POD_SCRIPT, inPodCommand, inPodOutcome } from '../../agent/probes/in-pod.js';
import { probeHeaders, probeUrl } from '../../agent/probes/net-runners.js';
import type { ProbeOutcome } from '../../agent/probes/runner.js';
import type { ProbeHandler, ProbeSpec } from '../../agent/probes/spec.js';
import type { ProbeTarget } from '../../agent/probes/types.js';

function spec(handler: ProbeHandler, timeoutSeconds = 1): ProbeSpec {
  return { kind: 'liveness', handler, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds, successThreshold: 1, failureThreshold: 3 };
}

const HTTP = spec({ type: 'httpGet', scheme: 'HTTP', port: 8080, path: '/healthz', headers: [{ name: 'X-A', value: 'b c' }] }, 3);
const TCP = spec({ type: 'tcpSocket', port: 5432 });
const EXEC = spec({ type: 'exec', command: ['cat', '/tmp/healthy'] });
const done = (exitCode: number, output = ''): BoundedExec => ({ kind: 'done', result: { exitCode, output } });

/** An engine whose exec is the given function; everything else throws. */
function engineWithExec(exec: (id: string, cmd: string[], timeoutMs: number) => Promise<ExecResult>): ContainerEngine {
  return new Proxy({} as ContainerEngine, {
    get: (_t, p) => {
      if (p === 'exec') return exec;
      throw new Error(`unexpected engine call ${String(p)}`);
    },
  });
}

describe('probes: exec runner outcomes (pure)', () => {
  const cases: { name: string; r: BoundedExec; want: ProbeOutcome }[] = [
    { name: 'exit 0 passes', r: done(0, 'ok\n'), want: { result: 'success', message: 'ok' } },
    { name: 'non-zero exit fails with the output', r: done(1, 'cat: can\'t open \'/tmp/healthy\': No such file or directory\n'), want: { result: 'failure', message: "cat: can't open '/tmp/healthy': No such file or directory" } },
    { name: 'non-zero exit, no output', r: done(3), want: { result: 'failure', message: 'command "cat /tmp/healthy" exited with code 3' } },
    { name: 'timeout', r: { kind: 'timeout' }, want: { result: 'failure', message: 'command "cat /tmp/healthy" timed out' } },
    { name: 'the engine could not exec: unknown', r: { kind: 'error', error: 'container is not running' }, want: { result: 'unknown', message: 'exec "cat /tmp/healthy" in the container: container is not running' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(execOutcome(['cat', '/tmp/healthy'], c.r), c.want));

  it('clips long output, keeping its end', () => {
    const o = execOutcome(['x'], done(1, 'a'.repeat(5000) + 'END'));
    assert.ok(o.message.length <= 1025 && o.message.endsWith('END') && o.message.startsWith('…'));
  });
});

describe('probes: execBounded around ContainerEngine.exec', () => {
  it('passes the command and timeout to the engine', async () => {
    const seen: unknown[] = [];
    const r = await execBounded(engineWithExec((id, cmd, t) => (seen.push([id, cmd, t]), Promise.resolve({ exitCode: 0, output: '' }))), 'c1', ['true'], 1500, new AbortController().signal);
    assert.deepEqual(r, done(0));
    assert.deepEqual(seen, [['c1', ['true'], 1500]]);
  });
  it('an engine error that reads as a timeout is a timeout', async () => {
    const r = await execBounded(engineWithExec(() => Promise.reject(new Error('exec timed out after 1000 ms'))), 'c1', ['x'], 1000, new AbortController().signal);
    assert.deepEqual(r, { kind: 'timeout' });
  });
  it('a negative exit code with "timed out" (the docker engine timing out) is a timeout', async () => {
    const r = await execBounded(engineWithExec(() => Promise.resolve({ exitCode: -1, output: 'exec ["x"] timed out after 1000 ms' })), 'c1', ['x'], 1000, new AbortController().signal);
    assert.deepEqual(r, { kind: 'timeout' });
  });
  it('any other negative exit code is an error', async () => {
    const r = await execBounded(engineWithExec(() => Promise.resolve({ exitCode: -1, output: '' })), 'c1', ['x'], 1000, new AbortController().signal);
    assert.deepEqual(r, { kind: 'error', error: 'exit code -1' });
  });
  it('other engine errors are errors', async () => {
    const r = await execBounded(engineWithExec(() => Promise.reject(new Error('connect ENOENT /var/run/docker.sock'))), 'c1', ['x'], 1000, new AbortController().signal);
    assert.deepEqual(r, { kind: 'error', error: 'connect ENOENT /var/run/docker.sock' });
  });
  it('an engine that throws synchronously is an error', async () => {
    const r = await execBounded(engineWithExec(() => {
      throw new Error('bad id');
    }), 'c1', ['x'], 1000, new AbortController().signal);
    assert.deepEqual(r, { kind: 'error', error: 'bad id' });
  });
  it('an exec that hangs ends when the signal aborts', async () => {
    const ac = new AbortController();
    const p = execBounded(engineWithExec(() => new Promise<ExecResult>(() => undefined)), 'c1', ['x'], 60_000, ac.signal);
    ac.abort();
    assert.deepEqual(await p, { kind: 'timeout' });
  });
  it('an exec that hangs ends at its own timeout', async () => {
    const t = Date.now();
    const r = await execBounded(engineWithExec(() => new Promise<ExecResult>(() => undefined)), 'c1', ['x'], 200, new AbortController().signal);
    assert.deepEqual(r, { kind: 'timeout' });
    assert.ok(Date.now() - t < 2000);
  });
});

describe('probes: in-pod http/tcp checks (command and outcome, pure)', () => {
  it('builds the httpGet command: sh script, timeout, URL on 127.0.0.1, headers', () => {
    assert.deepEqual(inPodCommand(HTTP), ['sh', '-c', IN_POD_SCRIPT, 'flotilla-probe', '3', 'http', 'http://127.0.0.1:8080/healthz', 'X-A: b c']);
  });
  it('builds the tcpSocket command; an explicit host is kept', () => {
    assert.deepEqual(inPodCommand(TCP), ['sh', '-c', IN_POD_SCRIPT, 'flotilla-probe', '1', 'tcp', '127.0.0.1', '5432']);
    assert.deepEqual(inPodCommand(spec({ type: 'tcpSocket', host: '::1', port: 1 }))?.slice(-2), ['::1', '1']);
    assert.equal(inPodCommand(spec({ type: 'httpGet', scheme: 'HTTPS', host: '::1', port: 443, path: '/', headers: [] }))?.[6], 'https://[::1]:443/');
    assert.equal(inPodCommand(EXEC), undefined);
  });

  const URL = 'Get "http://127.0.0.1:8080/healthz"';
  const cases: { name: string; probe?: ProbeSpec; r: BoundedExec; want: ProbeOutcome }[] = [
    { name: 'exit 0 passes', r: done(0, "Connecting to 127.0.0.1:8080\nsaving to '/dev/null'\n"), want: { result: 'success', message: '' } },
    { name: 'busybox wget: HTTP 500', r: done(1, 'Connecting to 127.0.0.1:8080 (127.0.0.1:8080)\nwget: server returned error: HTTP/1.1 500 Internal Server Error\n'), want: { result: 'failure', message: 'HTTP probe failed with statuscode: 500' } },
    { name: 'GNU wget: HTTP 503', r: done(8, 'HTTP request sent, awaiting response... 503 Service Unavailable\n2026-01-01 00:00:00 ERROR 503: Service Unavailable.\n'), want: { result: 'failure', message: 'HTTP probe failed with statuscode: 503' } },
    { name: 'curl: HTTP 404', r: done(22, 'curl: (22) The requested URL returned error: 404\n'), want: { result: 'failure', message: 'HTTP probe failed with statuscode: 404' } },
    { name: 'connection refused (busybox wget)', r: done(1, "Connecting to 127.0.0.1:8080 (127.0.0.1:8080)\nwget: can't connect to remote host (127.0.0.1): Connection refused\n"), want: { result: 'failure', message: `${URL}: connect: connection refused` } },
    { name: 'connection refused (busybox nc)', probe: TCP, r: done(1, "nc: can't connect to remote host (127.0.0.1): Connection refused\n"), want: { result: 'failure', message: 'dial tcp 127.0.0.1:5432: connect: connection refused' } },
    { name: 'the script timed out', r: done(EXIT_TIMED_OUT, 'flotilla-probe: timed out\n'), want: { result: 'failure', message: `${URL}: timed out after 3s` } },
    { name: 'the exec timed out', probe: TCP, r: { kind: 'timeout' }, want: { result: 'failure', message: 'dial tcp 127.0.0.1:5432: timed out after 1s' } },
    {
      name: 'no wget or curl in the image',
      r: done(EXIT_NO_TOOL, 'flotilla-probe: the image has no wget or curl\n'),
      want: { result: 'failure', message: 'httpGet probe cannot run: probed from inside the container because the pod has no address the agent can reach, and the image has no wget or curl (use hostNetwork, an exec probe, or an image with busybox)' },
    },
    {
      name: 'no nc in the image',
      probe: TCP,
      r: done(EXIT_NO_TOOL, 'flotilla-probe: the image has no nc\n'),
      want: { result: 'failure', message: 'tcpSocket probe cannot run: probed from inside the container because the pod has no address the agent can reach, and the image has no nc (use hostNetwork, an exec probe, or an image with busybox)' },
    },
    {
      name: 'no sh in the image (Docker: executable file not found)',
      r: done(127, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown'),
      want: { result: 'failure', message: 'httpGet probe cannot run: probed from inside the container because the pod has no address the agent can reach, and the image has no sh (use hostNetwork or an exec probe)' },
    },
    { name: 'anything else: the last line of output', r: done(1, "Connecting to 127.0.0.1:8080\nwget: bad address 'nope'\n"), want: { result: 'failure', message: `${URL}: wget: bad address 'nope'` } },
    { name: 'no output at all', r: done(5), want: { result: 'failure', message: `${URL}: exit code 5` } },
    { name: 'the engine could not exec: unknown', r: { kind: 'error', error: 'no such container' }, want: { result: 'unknown', message: `${URL}: exec in the container (probed from inside the container because the pod has no address the agent can reach): no such container` } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(inPodOutcome(c.probe ?? HTTP, c.r), c.want));
});

describe('probes: the default runner picks where a probe runs', () => {
  const target = (over: Partial<ProbeTarget>): ProbeTarget => ({
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: {} },
    podUid: 'u',
    container: 'app',
    containerId: 'cid',
    hostNetwork: false,
    startedAt: new Date(),
    ...over,
  });
  it('exec and non-host-network http/tcp go through engine.exec; exec probes run the command as is', async () => {
    const cmds: string[][] = [];
    const runner = createProbeRunner({ engine: engineWithExec((_id, cmd) => (cmds.push(cmd), Promise.resolve({ exitCode: 0, output: '' }))) });
    const signal = new AbortController().signal;
    assert.equal((await runner.run(EXEC, target({}), signal)).result, 'success');
    assert.equal((await runner.run(HTTP, target({}), signal)).result, 'success');
    assert.equal((await runner.run(TCP, target({}), signal)).result, 'success');
    assert.deepEqual(cmds.map((c) => c.slice(0, 2)), [['cat', '/tmp/healthy'], ['sh', '-c'], ['sh', '-c']]);
  });
});

describe('probes: http request details (pure)', () => {
  it('URLs bracket IPv6 hosts', () => {
    assert.equal(probeUrl('HTTP', '127.0.0.1', 80, '/x?y=1'), 'http://127.0.0.1:80/x?y=1');
    assert.equal(probeUrl('HTTPS', 'fe80::1', 443, '/'), 'https://[fe80::1]:443/');
  });
  it('headers: kubelet defaults, overridable, repeatable', () => {
    assert.deepEqual(probeHeaders([]), { 'user-agent': 'kube-probe/flotilla', accept: '*/*', connection: 'close' });
    assert.deepEqual(probeHeaders([{ name: 'User-Agent', value: 'mine' }, { name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }, { name: 'Host', value: 'svc.local' }]), {
      'user-agent': 'mine',
      accept: '*/*',
      'x-a': ['1', '2'],
      host: 'svc.local',
      connection: 'close',
    });
  });
});
