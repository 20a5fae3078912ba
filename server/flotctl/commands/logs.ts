/**
 * `flotctl logs POD [CONTAINER] [-c CONTAINER] [-f] [--tail N] [--timestamps] [--limit-bytes N]`:
 * a container's log, streamed from the device through the hub (`pods/NAME/log`), with kubectl's
 * flags, container defaulting and messages.
 */
import type { Command } from 'commander';
import { isRecord } from '../../../shared/util/guards.js';
import type { ApiClient } from '../client.js';
import { CliError } from '../errors.js';
import type { CliIO } from '../io.js';
import { parseRequestTimeout, sessionFor, type Session } from '../session.js';

interface LogsOptions {
  container?: string;
  follow?: boolean;
  tail: string;
  timestamps?: boolean;
  previous?: boolean;
  since?: string;
  limitBytes?: string;
}

const USAGE_ERROR =
  "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n" +
  'POD or TYPE/NAME is a required argument for the logs command\n' +
  "See 'flotctl logs -h' for help and examples";

/** kubectl's annotation naming the container `logs` and `exec` use when none is given. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** POD, pod/POD, pods/POD, po/POD; other kinds are not supported (yet). */
export function podNameArg(arg: string): string {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const kind = arg.slice(0, slash).toLowerCase();
  const name = arg.slice(slash + 1);
  if (!['pod', 'pods', 'po'].includes(kind)) throw new CliError(`cannot get the logs from ${arg.slice(0, slash)}: flotctl logs takes a pod (POD or pod/NAME)`);
  if (name === '') throw new CliError(`arguments in resource/name form must have a single resource and name: ${arg}`);
  return name;
}

function names(spec: Record<string, unknown>, list: string): string[] {
  const items = spec[list];
  if (!Array.isArray(items)) return [];
  return items.flatMap((c: unknown) => (isRecord(c) && typeof c['name'] === 'string' ? [c['name']] : []));
}

/**
 * kubectl's default container: the one asked for, else the pod's default-container annotation,
 * else the first one (with a note on stderr when there was a choice).
 */
export function defaultContainer(pod: Record<string, unknown>, asked: string | undefined): { container?: string; note?: string } {
  if (asked !== undefined) return { container: asked };
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const containers = names(spec, 'containers');
  const init = names(spec, 'initContainers');
  const meta = isRecord(pod['metadata']) ? pod['metadata'] : {};
  const annotations = isRecord(meta['annotations']) ? meta['annotations'] : {};
  const annotated = annotations[DEFAULT_CONTAINER_ANNOTATION];
  if (typeof annotated === 'string' && containers.includes(annotated)) return { container: annotated };
  const [first] = containers;
  if (first === undefined) return {};
  if (containers.length + init.length === 1) return { container: first };
  const all = [...containers, ...init.map((n) => `${n} (init)`)].join(', ');
  return { container: first, note: `Defaulted container "${first}" out of: ${all}\n` };
}

/** The query string of the log request, as kubectl sends it. */
export function logQuery(opts: LogsOptions, container: string | undefined): Record<string, string> {
  const q: Record<string, string> = {};
  if (container !== undefined) q['container'] = container;
  if (opts.follow) q['follow'] = 'true';
  if (opts.previous) q['previous'] = 'true';
  if (opts.timestamps) q['timestamps'] = 'true';
  if (!/^-?\d+$/.test(opts.tail.trim())) throw new CliError(`invalid argument "${opts.tail}" for "--tail" flag: must be a whole number`);
  const tail = Number(opts.tail);
  if (tail >= 0) q['tailLines'] = String(tail);
  if (opts.limitBytes !== undefined) {
    if (!/^\d+$/.test(opts.limitBytes.trim()) || Number(opts.limitBytes) < 1) throw new CliError('--limit-bytes must be greater than 0');
    q['limitBytes'] = opts.limitBytes.trim();
  }
  if (opts.since !== undefined) {
    let ms: number;
    try {
      ms = parseRequestTimeout(opts.since);
    } catch {
      throw new CliError(`invalid argument "${opts.since}" for "--since" flag: use a duration like 10s, 5m or 1h`);
    }
    q['sinceSeconds'] = String(Math.max(1, Math.ceil(ms / 1000)));
  }
  return q;
}

async function runLogs(s: Session, io: CliIO, args: string[], opts: LogsOptions): Promise<void> {
  const [podArg, inlineContainer, ...rest] = args;
  if (podArg === undefined) throw new CliError(USAGE_ERROR);
  if (rest.length > 0) throw new CliError(`${USAGE_ERROR}`);
  if (inlineContainer !== undefined && opts.container !== undefined) throw new CliError('only one of -c or an inline [CONTAINER] arg is allowed');
  const name = podNameArg(podArg);
  const namespace = await s.namespace();
  const podPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
  const client: ApiClient = await s.client();
  const pod = await client.requestObject({ path: podPath });
  const chosen = defaultContainer(pod, inlineContainer ?? opts.container);
  if (chosen.note) s.err(chosen.note);
  const query = logQuery(opts, chosen.container);
  await client.streamText({ path: `${podPath}/log`, query, ...(io.signal ? { signal: io.signal } : {}) }, (text) => s.out(text));
}

export function registerLogs(program: Command, io: CliIO): void {
  program
    .command('logs')
    .description('Print the logs for a container in a pod, streamed from its device')
    .argument('[pod-and-container...]', 'POD or pod/NAME, optionally followed by the container name')
    .option('-c, --container <name>', 'print the logs of this container')
    .option('-f, --follow', 'specify if the logs should be streamed')
    .option('--tail <lines>', 'lines of recent log file to display; -1 shows all', '-1')
    .option('--timestamps', 'include timestamps on each line in the log output')
    .option('-p, --previous', "print the logs for the previous (terminated) instance of the container")
    .option('--since <duration>', 'only return logs newer than a relative duration like 5s, 2m, or 3h')
    .option('--limit-bytes <bytes>', 'maximum bytes of logs to return')
    .action(async (args: string[], opts: LogsOptions, cmd: Command) => {
      await runLogs(sessionFor(cmd, io), io, args, opts);
    });
}
