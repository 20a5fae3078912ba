/**
 * Stopping, logs and exec through the engine against the real Docker engine: the grace period
 * (a process that exits 1 s after TERM, one that ignores TERM and is killed at the end of its
 * grace, a custom stop signal, an AbortSignal that kills at once), demultiplexed log lines with
 * tail / timestamps / follow, and exec exit codes, output and time limits.
 */
import assert from 'node:assert/strict';
import { FrameDemuxer, LineSplitter } from '../../agent/engine/docker-stream.js';
import { isEngineError } from '../../agent/engine/errors.js';
import type { ContainerCreateSpec, ContainerEngine, ObservedContainer } from '../../agent/engine/types.js';
import { TestContainers, engineWithTestImage, shellSpec } from '../support/engine-harness.js';
import { until } from '../support/wait.js';

const RUN = `${process.pid}-${Date.now().toString(36)}`;

/** A frame of Docker's multiplexed stream. */
function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('engine: stop, logs and exec (real Docker)', function () {
  this.timeout(90_000);
  let engine: ContainerEngine;
  const containers = new TestContainers(() => engine);
  const name = (s: string): string => `flotilla-test-life-${s}-${RUN}`;

  async function startScript(label: string, script: string, over: Partial<ContainerCreateSpec> = {}): Promise<string> {
    return containers.createStarted(shellSpec(name(label), script, over));
  }

  async function observed(id: string): Promise<ObservedContainer> {
    const o = (await engine.listManaged()).find((c) => c.id === id);
    assert.ok(o, `container ${id} not listed`);
    return o;
  }

  /** Follows the logs until a line matches (the process is ready), at most 10 s. */
  async function waitForLine(id: string, re: RegExp): Promise<void> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 10_000);
    try {
      for await (const l of engine.logs(id, { follow: true, signal: ac.signal })) if (re.test(l.line)) return;
    } finally {
      clearTimeout(timer);
    }
    throw new Error(`no log line matching ${String(re)}`);
  }

  function waitExited(id: string): Promise<ObservedContainer> {
    return until(`container ${id} to exit`, async () => {
      const o = await observed(id);
      return o.state === 'exited' ? o : undefined;
    });
  }

  async function timed(p: Promise<void>): Promise<number> {
    const t0 = performance.now();
    await p;
    return performance.now() - t0;
  }

  before(async function () {
    engine = await engineWithTestImage(this);
  });

  after(async function () {
    if (engine === undefined) return;
    await containers.removeAll();
  });

  describe('stopContainer', function () {
    it('lets a process that traps TERM finish: it stops in about 1 s, exit code its own', async function () {
      const id = await startScript('term', 'trap "sleep 1; echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done');
      await waitForLine(id, /^ready$/);
      const ms = await timed(engine.stopContainer(id, 10));
      console.log(`      TERM + 1 s of cleanup: stopped in ${Math.round(ms)} ms (grace 10 s)`);
      assert.ok(ms >= 900 && ms < 4000, `stop took ${Math.round(ms)} ms`);
      const o = await observed(id);
      assert.equal(o.state, 'exited');
      assert.equal(o.exitCode, 0);
      assert.equal(o.oomKilled, false);
    });

    it('kills a process that ignores TERM when its grace of 2 s runs out', async function () {
      const id = await startScript('ignore', 'trap "" TERM; echo ready; while true; do sleep 0.1; done');
      await waitForLine(id, /^ready$/);
      const ms = await timed(engine.stopContainer(id, 2));
      console.log(`      TERM ignored: killed after ${Math.round(ms)} ms (grace 2 s)`);
      assert.ok(ms >= 1900 && ms < 5000, `stop took ${Math.round(ms)} ms`);
      const o = await observed(id);
      assert.equal(o.exitCode, 137);
    });

    it('sends the container\'s stop signal instead of TERM', async function () {
      const id = await startScript('usr1', 'trap "echo got-usr1; exit 7" USR1; trap "" TERM; echo ready; while true; do sleep 0.1; done', {
        stopSignal: 'SIGUSR1',
      });
      await waitForLine(id, /^ready$/);
      const ms = await timed(engine.stopContainer(id, 10));
      assert.ok(ms < 3000, `stop took ${Math.round(ms)} ms`);
      assert.equal((await observed(id)).exitCode, 7);
      const lines: string[] = [];
      for await (const l of engine.logs(id, { follow: false })) lines.push(l.line);
      assert.ok(lines.includes('got-usr1'));
    });

    it('kills at once when the AbortSignal fires during the grace period', async function () {
      const id = await startScript('abort', 'trap "" TERM; echo ready; while true; do sleep 0.1; done');
      await waitForLine(id, /^ready$/);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const ms = await timed(engine.stopContainer(id, 30, ac.signal));
      console.log(`      abort during a 30 s grace: stopped ${Math.round(ms)} ms after the call (abort at 300 ms)`);
      assert.ok(ms < 2500, `stop took ${Math.round(ms)} ms`);
      const o = await observed(id);
      assert.equal(o.state, 'exited');
      assert.equal(o.exitCode, 137);

      const id2 = await startScript('preabort', 'trap "" TERM; echo ready; while true; do sleep 0.1; done');
      await waitForLine(id2, /^ready$/);
      const ms2 = await timed(engine.stopContainer(id2, 30, AbortSignal.abort()));
      assert.ok(ms2 < 2000, `stop took ${Math.round(ms2)} ms`);
      assert.equal((await observed(id2)).exitCode, 137);
    });
  });

  describe('logs', function () {
    it('demultiplexes frames cut anywhere and keeps multi-byte characters whole', function () {
      const bytes = Buffer.concat([frame(1, 'out one\nout tw'), frame(2, 'err ✓ one\n'), frame(1, 'o\n'), frame(2, 'no newline')]);
      for (let cut = 1; cut < bytes.length; cut += 1) {
        const demux = new FrameDemuxer();
        const split = { stdout: new LineSplitter(), stderr: new LineSplitter() };
        const got: string[] = [];
        for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
          for (const f of demux.push(part)) for (const line of split[f.stream].push(f.payload)) got.push(`${f.stream}:${line}`);
        }
        const rest = split.stderr.flush();
        if (rest !== undefined) got.push(`stderr:${rest}`);
        assert.deepEqual(got, ['stdout:out one', 'stderr:err ✓ one', 'stdout:out two', 'stderr:no newline'], `cut at ${cut}`);
      }
      // A TTY stream has no frame headers: passed through as stdout.
      const raw = new FrameDemuxer().push(Buffer.from('plain text\n'));
      assert.deepEqual(raw.map((f) => [f.stream, f.payload.toString()]), [['stdout', 'plain text\n']]);
    });

    it('returns stdout and stderr lines, the last N with tail, with timestamps when asked', async function () {
      const id = await startScript(
        'lines',
        'i=1; while [ $i -le 20 ]; do echo "line $i"; i=$((i+1)); done; sleep 0.3; echo "oops ✓" >&2; sleep 0.3; printf "no newline"',
      );
      await waitExited(id);
      const all: { stream: string; line: string }[] = [];
      for await (const l of engine.logs(id, { follow: false })) all.push(l);
      assert.equal(all.length, 22);
      assert.deepEqual(all[0], { stream: 'stdout', line: 'line 1' });
      assert.deepEqual(all[19], { stream: 'stdout', line: 'line 20' });
      assert.deepEqual(all[20], { stream: 'stderr', line: 'oops ✓' });
      assert.deepEqual(all[21], { stream: 'stdout', line: 'no newline' });

      const tail: { stream: string; line: string }[] = [];
      for await (const l of engine.logs(id, { follow: false, tail: 3 })) tail.push(l);
      assert.deepEqual(tail, [
        { stream: 'stdout', line: 'line 20' },
        { stream: 'stderr', line: 'oops ✓' },
        { stream: 'stdout', line: 'no newline' },
      ]);
      const none: unknown[] = [];
      for await (const l of engine.logs(id, { follow: false, tail: 0 })) none.push(l);
      assert.deepEqual(none, []);

      const stamped: string[] = [];
      for await (const l of engine.logs(id, { follow: false, tail: 2, timestamps: true })) stamped.push(l.line);
      assert.equal(stamped.length, 2);
      for (const s of stamped) assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /);
      assert.ok(stamped[0]?.endsWith(' oops ✓'));
    });

    it('joins a long line that Docker stores in 16 KiB pieces', async function () {
      const id = await startScript('long', 'head -c 100000 /dev/zero | tr "\\0" a; echo; echo after');
      await waitExited(id);
      const lines: string[] = [];
      for await (const l of engine.logs(id, { follow: false })) lines.push(l.line);
      assert.equal(lines.length, 2);
      assert.equal(lines[0], 'a'.repeat(100_000));
      assert.equal(lines[1], 'after');
    });

    it('follows new lines until the container exits', async function () {
      const id = await startScript('follow-exit', 'for i in 1 2 3 4 5; do echo "tick $i"; sleep 0.2; done');
      const t0 = performance.now();
      const lines: string[] = [];
      for await (const l of engine.logs(id, { follow: true })) lines.push(l.line);
      const ms = performance.now() - t0;
      assert.deepEqual(lines, ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5']);
      assert.ok(ms >= 700, `followed for ${Math.round(ms)} ms`);
    });

    it('stops following when the signal aborts, and when the consumer breaks off', async function () {
      const id = await startScript('follow-abort', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.1; done');
      const ac = new AbortController();
      const lines: string[] = [];
      const t0 = performance.now();
      let abortedAt = 0;
      for await (const l of engine.logs(id, { follow: true, tail: 0, signal: ac.signal })) {
        lines.push(l.line);
        if (lines.length === 3) {
          ac.abort();
          abortedAt = performance.now();
        }
      }
      assert.equal(lines.length, 3, 'nothing is yielded after the abort');
      assert.ok(performance.now() - abortedAt < 500);
      assert.ok(abortedAt - t0 < 3000);

      let n = 0;
      for await (const _l of engine.logs(id, { follow: true, tail: 1 })) if (++n === 2) break;
      assert.equal(n, 2);
      // An already aborted signal yields nothing.
      const nothing: unknown[] = [];
      for await (const l of engine.logs(id, { follow: true, signal: AbortSignal.abort() })) nothing.push(l);
      assert.deepEqual(nothing, []);
    });

    it('rejects logs of a missing container with NotFound', async function () {
      await assert.rejects(async () => {
        for await (const _l of engine.logs(`no-such-container-${RUN}`, { follow: false })) {
          // nothing
        }
      }, (e: unknown) => isEngineError(e, 'NotFound'));
    });
  });

  describe('exec', function () {
    let id = '';
    before(async function () {
      id = await startScript('exec', 'echo ready; exec sleep 300');
    });

    it('returns exit codes and interleaved stdout and stderr', async function () {
      assert.deepEqual(await engine.exec(id, ['true'], 5000), { exitCode: 0, output: '' });
      assert.deepEqual(await engine.exec(id, ['sh', '-c', 'echo out; sleep 0.1; echo err >&2; exit 3'], 5000), {
        exitCode: 3,
        output: 'out\nerr\n',
      });
      const t0 = performance.now();
      const r = await engine.exec(id, ['cat', '/proc/self/status'], 5000);
      console.log(`      exec round trip: ${Math.round(performance.now() - t0)} ms`);
      assert.equal(r.exitCode, 0);
      assert.match(r.output, /^Name:\s+cat$/m);
      const big = await engine.exec(id, ['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" b'], 10_000);
      assert.equal(big.exitCode, 0);
      assert.ok(big.output.startsWith('b'.repeat(1000)));
      assert.ok(big.output.endsWith('[output truncated]'));
    });

    it('reports a missing executable with Docker\'s message and exit code 126/127', async function () {
      const r = await engine.exec(id, ['/no/such/probe'], 5000);
      assert.ok(r.exitCode === 126 || r.exitCode === 127, `exit ${r.exitCode}`);
      assert.match(r.output, /no such file or directory|not found/);
    });

    it('gives up after the time limit with exit code -1 and says so', async function () {
      const t0 = performance.now();
      const r = await engine.exec(id, ['sleep', '10'], 500);
      const ms = performance.now() - t0;
      assert.equal(r.exitCode, -1);
      assert.match(r.output, /timed out after 500 ms/);
      assert.ok(ms >= 450 && ms < 1500, `returned after ${Math.round(ms)} ms`);
      const partial = await engine.exec(id, ['sh', '-c', 'echo started; sleep 10'], 500);
      assert.equal(partial.exitCode, -1);
      assert.match(partial.output, /^started\nexec .* timed out after 500 ms$/);
    });

    it('refuses to exec in a stopped or missing container', async function () {
      const stopped = await startScript('exec-stopped', 'exit 0');
      await waitExited(stopped);
      await assert.rejects(engine.exec(stopped, ['true'], 5000), (e: unknown) => isEngineError(e, 'NotRunning'));
      await assert.rejects(engine.exec(`no-such-container-${RUN}`, ['true'], 5000), (e: unknown) => isEngineError(e, 'NotFound'));
    });
  });
});
