import assert from 'node:assert/strict';
import { AuthAdmission, type Candidate } from '../../server/broker/auth-admission.js';

/** A candidate whose authentication finishes when the test says so. */
function candidate(name: string, log: string[]): Candidate & { finish: () => Promise<void>; leave: () => void } {
  let finish: () => void = () => undefined;
  let gone = false;
  return {
    run: () => {
      log.push(`run ${name}`);
      return new Promise<void>((r) => (finish = r));
    },
    refuse: () => log.push(`busy ${name}`),
    gone: () => gone,
    finish: async () => {
      finish();
      await new Promise((r) => setImmediate(r));
    },
    leave: () => {
      gone = true;
    },
  };
}

describe('CONNECT admission to authentication', function () {
  let t = 0;
  const now = (): number => t;
  beforeEach(() => (t = 0));

  it('runs up to maxInFlight, queues the next in arrival order and starts each when a slot frees', async function () {
    const log: string[] = [];
    const a = new AuthAdmission({ maxInFlight: 2, maxQueued: 10, maxWaitMs: 10_000 }, now);
    const [c1, c2, c3, c4] = ['1', '2', '3', '4'].map((n) => candidate(n, log));
    assert.deepEqual([c1, c2, c3, c4].map((c) => c && a.admit(c)), ['running', 'running', 'queued', 'queued']);
    assert.equal(a.waiting, 2);
    await c2?.finish();
    assert.deepEqual(log, ['run 1', 'run 2', 'run 3']);
    await c1?.finish();
    assert.deepEqual(log, ['run 1', 'run 2', 'run 3', 'run 4']);
    assert.equal(a.waiting, 0);
  });

  it('refuses at once as busy when the queue is full', function () {
    const log: string[] = [];
    const a = new AuthAdmission({ maxInFlight: 1, maxQueued: 1, maxWaitMs: 10_000 }, now);
    const results = ['1', '2', '3'].map((n) => a.admit(candidate(n, log)));
    assert.deepEqual(results, ['running', 'queued', 'refused']);
    assert.deepEqual(log, ['run 1', 'busy 3']);
  });

  it('refuses as busy a waiter that waited longer than maxWaitMs, never authenticating it', async function () {
    const log: string[] = [];
    const a = new AuthAdmission({ maxInFlight: 1, maxQueued: 10, maxWaitMs: 1000 }, now);
    const c1 = candidate('1', log);
    a.admit(c1);
    a.admit(candidate('2', log));
    t = 600;
    a.admit(candidate('3', log));
    t = 1200;
    a.sweep();
    assert.deepEqual(log, ['run 1', 'busy 2'], 'only the one past its wait');
    await c1.finish();
    assert.deepEqual(log, ['run 1', 'busy 2', 'run 3']);
  });

  it('drops a waiter whose device gave up, without authenticating or answering it', async function () {
    const log: string[] = [];
    const a = new AuthAdmission({ maxInFlight: 1, maxQueued: 10, maxWaitMs: 10_000 }, now);
    const c1 = candidate('1', log);
    const c2 = candidate('2', log);
    a.admit(c1);
    a.admit(c2);
    a.admit(candidate('3', log));
    c2.leave();
    await c1.finish();
    assert.deepEqual(log, ['run 1', 'run 3']);
  });

  it('a failed authentication frees its slot too', async function () {
    const log: string[] = [];
    const a = new AuthAdmission({ maxInFlight: 1, maxQueued: 10, maxWaitMs: 10_000 }, now);
    a.admit({ run: () => Promise.reject(new Error('boom')), refuse: () => undefined, gone: () => false });
    a.admit(candidate('2', log));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['run 2']);
  });
});
