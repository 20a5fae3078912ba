/**
 * httpGet and tcpSocket probes for pods the agent cannot reach over the network.
 *
 * Flotilla's pods without `hostNetwork` get a sandbox with `--network none` (devices run
 * dockerd with `--bridge=none`): the pod has only a loopback interface, in its own network
 * namespace, and no address on the host. The kubelet would connect to the pod IP; there is none.
 *
 * Chosen approach: exec, in the probed container (which shares the sandbox's network namespace,
 * so 127.0.0.1 there is the pod), a small POSIX sh script that uses the image's own tools:
 * - httpGet: `wget` (busybox or GNU), else `curl`; status 200–399 passes (wget follows
 *   redirects, curl does not: both end in a pass for a redirecting endpoint that works).
 * - tcpSocket: `nc -z -w T host port`, or, for busybox nc (no `-z`), `nc -w T host port
 *   </dev/null`, which connects and quits at once.
 * - each tool runs under `timeout T` when the image has it (busybox ≥1.30 or coreutils syntax,
 *   or old busybox `timeout -t T`), so an unanswered probe does not leave a process behind
 *   (Docker cannot kill an exec'd process). Busybox `wget -T` is not used: it crashes in
 *   Debian's busybox 1.35.
 * Why not the alternatives: `nsenter -t <pid> -n` into the sandbox needs the container's PID
 * (the engine does not expose it), root with CAP_SYS_ADMIN, and a helper binary to run inside
 * (node cannot switch one thread's namespace); a helper container per probe
 * (`--network container:<id>`) costs a container create every period on a Pi.
 *
 * Limits, stated in the failure message when hit: the image must have `sh` and wget/curl (http)
 * or nc (tcp): busybox, Alpine, Debian/Ubuntu with curl work; distroless and scratch images do
 * not: use an exec probe with the image's own binary, or hostNetwork. The probe runs as the
 * container's user, inside its cgroup (its CPU and memory count against the container's
 * limits), and its process shows up in the container. HTTPS certificates are not checked
 * (`--no-check-certificate` / `-k`, as the kubelet); a busybox wget built without TLS fails
 * HTTPS probes.
 */
import type { ContainerEngine } from '../engine/types.js';
import type { ProbeOutcome } from './decide.js';
import { clipOutput, execBounded, type BoundedExec } from './exec-runner.js';
import { hostForUrl, probeUrl } from './net-runners.js';
import type { ProbeRunner } from './runner.js';
import type { ProbeSpec } from './spec.js';

/** Exit codes of the script (chosen outside what wget, curl and nc use). */
export const EXIT_NO_TOOL = 200;
export const EXIT_TIMED_OUT = 201;

/**
 * `sh -c SCRIPT flotilla-probe T http URL [HEADER…]` or `… T tcp HOST PORT`.
 * Headers arrive as `Name: value` and become `--header`/`-H` arguments.
 */
export const IN_POD_SCRIPT = `t=$1; mode=$2; shift 2
tmo=
if command -v timeout >/dev/null 2>&1; then
  if timeout "$t" true >/dev/null 2>&1; then tmo="timeout $t"
  elif timeout -t "$t" true >/dev/null 2>&1; then tmo="timeout -t $t"; fi
fi
case $mode in
http)
  url=$1; shift
  if command -v wget >/dev/null 2>&1; then tool=wget; flag=--header
  elif command -v curl >/dev/null 2>&1; then tool=curl; flag=-H
  else echo "flotilla-probe: the image has no wget or curl"; exit ${EXIT_NO_TOOL}; fi
  n=$#
  while [ "$n" -gt 0 ]; do set -- "$@" "$flag" "$1"; shift; n=$((n - 1)); done
  if [ "$tool" = wget ]; then
    case $url in https:*) set -- --no-check-certificate "$@";; esac
    $tmo wget -O /dev/null "$@" "$url" </dev/null 2>&1
  else
    $tmo curl -sS -k -f -o /dev/null -m "$t" "$@" "$url" </dev/null 2>&1
  fi
  rc=$?
  ;;
tcp)
  command -v nc >/dev/null 2>&1 || { echo "flotilla-probe: the image has no nc"; exit ${EXIT_NO_TOOL}; }
  out=$($tmo nc -z -w "$t" "$1" "$2" </dev/null 2>&1); rc=$?
  case $out in
  *"invalid option"*|*"unrecognized option"*|*"illegal option"*)
    out=$($tmo nc -w "$t" "$1" "$2" </dev/null 2>&1); rc=$?;;
  esac
  [ -n "$out" ] && echo "$out"
  ;;
*) echo "flotilla-probe: unknown mode $mode"; exit 2;;
esac
if [ -n "$tmo" ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 143 ] || [ "$rc" -eq 137 ]; }; then
  echo "flotilla-probe: timed out"; exit ${EXIT_TIMED_OUT}
fi
exit $rc
`;

/** The command to exec for an httpGet/tcpSocket probe; `undefined` for exec probes. */
export function inPodCommand(probe: ProbeSpec): string[] | undefined {
  const h = probe.handler;
  const t = String(probe.timeoutSeconds);
  const host = h.type === 'exec' ? '' : (h.host ?? '127.0.0.1');
  switch (h.type) {
    case 'exec':
      return undefined;
    case 'httpGet':
      return ['sh', '-c', IN_POD_SCRIPT, 'flotilla-probe', t, 'http', probeUrl(h.scheme, host, h.port, h.path), ...h.headers.map((x) => `${x.name}: ${x.value}`)];
    case 'tcpSocket':
      return ['sh', '-c', IN_POD_SCRIPT, 'flotilla-probe', t, 'tcp', host, String(h.port)];
  }
}

/** The engine gets a little longer than the probe so the script's own `timeout` answers first. */
export const IN_POD_EXEC_GRACE_MS = 1000;

const HOW = 'probed from inside the container because the pod has no address the agent can reach';

/** Text a shell or Docker prints when the executable itself is missing. */
function missingExecutable(output: string): boolean {
  return /executable file not found|no such file or directory/i.test(output) && !/^flotilla-probe:/m.test(output);
}

/** What the script's result means for the probe. */
export function inPodOutcome(probe: ProbeSpec, r: BoundedExec): ProbeOutcome {
  const h = probe.handler;
  if (h.type === 'exec') return { result: 'unknown', message: 'not an httpGet or tcpSocket probe' };
  const host = h.host ?? '127.0.0.1';
  const what = h.type === 'httpGet' ? `Get "${probeUrl(h.scheme, host, h.port, h.path)}"` : `dial tcp ${hostForUrl(host)}:${h.port}`;
  const timedOut: ProbeOutcome = { result: 'failure', message: `${what}: timed out after ${probe.timeoutSeconds}s` };
  if (r.kind === 'timeout') return timedOut;
  if (r.kind === 'error') return { result: 'unknown', message: `${what}: exec in the container (${HOW}): ${r.error}` };
  const { exitCode, output } = r.result;
  if (exitCode === 0) return { result: 'success', message: '' };
  if (exitCode === EXIT_TIMED_OUT) return timedOut;
  if (exitCode === EXIT_NO_TOOL) {
    const tool = h.type === 'httpGet' ? 'wget or curl' : 'nc';
    return {
      result: 'failure',
      message: `${h.type} probe cannot run: ${HOW}, and the image has no ${tool} (use hostNetwork, an exec probe, or an image with busybox)`,
    };
  }
  if ((exitCode === 126 || exitCode === 127) && missingExecutable(output)) {
    return { result: 'failure', message: `${h.type} probe cannot run: ${HOW}, and the image has no sh (use hostNetwork or an exec probe)` };
  }
  const status = /server returned error: HTTP\/[\d.]+ (\d{3})|ERROR (\d{3})|returned error: (\d{3})/.exec(output);
  const code = status?.[1] ?? status?.[2] ?? status?.[3];
  if (code !== undefined) return { result: 'failure', message: `HTTP probe failed with statuscode: ${code}` };
  if (/connection refused/i.test(output)) return { result: 'failure', message: `${what}: connect: connection refused` };
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Connecting to'));
  const last = lines[lines.length - 1];
  return { result: 'failure', message: `${what}: ${last !== undefined ? clipOutput(last) : `exit code ${exitCode}`}` };
}

export function createInPodRunner(engine: ContainerEngine): ProbeRunner {
  return {
    async run(probe, target, signal) {
      const cmd = inPodCommand(probe);
      if (!cmd) return { result: 'unknown', message: 'exec probes do not run through the in-pod runner' };
      const r = await execBounded(engine, target.containerId, cmd, probe.timeoutSeconds * 1000 + IN_POD_EXEC_GRACE_MS, signal);
      return inPodOutcome(probe, r);
    },
  };
}
