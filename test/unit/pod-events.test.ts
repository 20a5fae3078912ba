/** The one owner of pod events: which events conditions and step reports make, and when. */
import assert from 'node:assert/strict';
import { eventsOf, PodEvents, type PodCondition, type StepReport } from '../../agent/pods/event-policy.js';
import type { EventsMessage } from '../../shared/protocol/messages.js';
import { silentLogger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';

const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';

const ROWS: { name: string; in: PodCondition | StepReport; want: string[] }[] = [
  {
    name: 'a failed liveness probe: Unhealthy with the probe message, then Killing',
    in: { kind: 'probeFailed', container: 'app', containerId: 'c1', probe: 'liveness', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500', restart: true },
    want: ['Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500', 'Normal Killing Container app failed liveness probe, will be restarted'],
  },
  {
    name: 'a failed startup probe under Never: not restarted',
    in: { kind: 'probeFailed', container: 'app', containerId: 'c1', probe: 'startup', restart: false },
    want: ['Warning Unhealthy Startup probe failed', 'Normal Killing Container app failed startup probe'],
  },
  { name: 'spec changed', in: { kind: 'specChanged', container: 'app', containerId: 'c1' }, want: ['Normal Killing Container app definition changed, will be restarted'] },
  { name: 'sandbox changed', in: { kind: 'sandboxChanged', sandboxId: 's1' }, want: ['Normal SandboxChanged Pod sandbox changed, it will be killed and re-created.'] },
  {
    name: 'crash loop',
    in: { kind: 'crashBackOff', container: 'app', containerId: 'c1', pod: 'web_default(uid)' },
    want: ['Warning BackOff Back-off restarting failed container app in pod web_default(uid)'],
  },
  { name: 'config error', in: { kind: 'configError', container: 'app', message: 'no key' }, want: ['Warning Failed Error: no key'] },
  { name: 'image pull back-off', in: { kind: 'pullBackOff', image: IMAGE, failures: 2 }, want: [`Normal BackOff Back-off pulling image "${IMAGE}"`] },
  { name: 'image present', in: { kind: 'imagePresent', container: 'app', image: IMAGE, attempt: 0 }, want: [`Normal Pulled Container image "${IMAGE}" already present on machine`] },
  { name: 'pulled', in: { kind: 'pulled', image: IMAGE, seconds: '1.500' }, want: [`Normal Pulled Successfully pulled image "${IMAGE}" in 1.500s`] },
  {
    name: 'a failed pull',
    in: { kind: 'pullFailed', image: IMAGE, error: 'manifest unknown', usingPresent: false },
    want: [`Warning Failed Failed to pull image "${IMAGE}": manifest unknown`, 'Warning Failed Error: ErrImagePull'],
  },
  {
    name: 'a failed pull with the image present (Always, offline)',
    in: { kind: 'pullFailed', image: IMAGE, error: 'timeout', usingPresent: true },
    want: [`Warning Failed Failed to pull image "${IMAGE}": timeout; using the image already present on the device`],
  },
  {
    name: 'created with a warning',
    in: { kind: 'created', container: 'app', sandbox: false, warnings: [{ reason: 'ResourceLimitNotEnforced', message: 'no memory cgroup' }] },
    want: ['Normal Created Created container app', 'Warning ResourceLimitNotEnforced no memory cgroup'],
  },
  { name: 'the sandbox is created and started silently', in: { kind: 'created', container: 'POD', sandbox: true, warnings: [] }, want: [] },
  { name: 'started', in: { kind: 'started', container: 'app', sandbox: false }, want: ['Normal Started Started container app'] },
  { name: 'a sandbox that failed to start', in: { kind: 'startFailed', container: 'POD', sandbox: true, error: 'boom' }, want: ['Warning FailedCreatePodSandBox Failed to start pod sandbox: boom'] },
  { name: 'a container that failed to start', in: { kind: 'startFailed', container: 'app', sandbox: false, error: 'boom' }, want: ['Warning Failed Error: failed to start container "app": boom'] },
  { name: 'a create error', in: { kind: 'createFailed', container: 'app', sandbox: false, error: 'Conflict' }, want: ['Warning Failed Error: Conflict'] },
  { name: 'a mount failure', in: { kind: 'mountFailed', volume: 'data', message: 'not a directory' }, want: ['Warning FailedMount MountVolume.SetUp failed for volume "data" : not a directory'] },
  { name: 'a stop for a pod deletion says Killing', in: { kind: 'stopping', container: 'app', sandbox: false, reason: 'pod-deleted', message: 'Stopping container app' }, want: ['Normal Killing Stopping container app'] },
  {
    name: 'a stop the planner announced (probe, spec change) says nothing more',
    in: { kind: 'stopping', container: 'app', sandbox: false, reason: 'liveness', message: 'Container app failed liveness probe' },
    want: [],
  },
  { name: 'the sandbox stops silently', in: { kind: 'stopping', container: 'POD', sandbox: true, reason: 'pod-deleted', message: 'Stopping pod sandbox' }, want: [] },
];

describe('pod event policy (table)', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      assert.deepEqual(
        eventsOf(row.in).map((e) => `${e.type} ${e.reason} ${e.message}`),
        row.want,
      );
    });
  }
});

describe('pod events: a lasting condition is announced once', () => {
  const pod = { uid: 'u', namespace: 'default', name: 'p' };
  const backoff = (containerId: string): { pod: typeof pod; condition: PodCondition } => ({ pod, condition: { kind: 'crashBackOff', container: containerId, containerId, pod: 'p' } });

  it('again only after it ended and came back; keys of ended conditions do not pile up', async () => {
    const sent: EventsMessage[] = [];
    const events = new PodEvents((m) => Promise.resolve(sent.push(m) > 0), new FakeClock(), silentLogger);
    const announced = async (): Promise<string[]> => {
      await events.flush();
      return sent.splice(0).flatMap((m) => m.events.map((e) => e.message.split(' ')[4] ?? ''));
    };
    events.conditions([backoff('a'), backoff('b'), backoff('a')]);
    assert.deepEqual(await announced(), ['a', 'b']);
    events.conditions([backoff('a'), backoff('b')]);
    assert.deepEqual(await announced(), []);
    events.conditions([backoff('b')]);
    assert.deepEqual(await announced(), []);
    events.conditions([backoff('a'), backoff('b')]);
    assert.deepEqual(await announced(), ['a']);
    events.conditions([]);
    assert.equal(events.trackedPods(), 0);
  });

  it('step reports are recorded each time they happen', async () => {
    const sent: EventsMessage[] = [];
    const events = new PodEvents((m) => Promise.resolve(sent.push(m) > 0), new FakeClock(), silentLogger);
    events.report(pod, { kind: 'pulling', image: IMAGE });
    await events.flush();
    events.report(pod, { kind: 'pulling', image: IMAGE });
    await events.flush();
    assert.deepEqual(sent.map((m) => m.events.map((e) => e.reason)), [['Pulling'], ['Pulling']]);
  });
});
