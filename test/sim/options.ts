/** The simulator's command line, checked: every bad value names its flag. */
import { Command } from 'commander';
import { parseDuration } from '../../shared/util/duration.js';
import { isBootstrapToken, isJoinString, parseJoinString } from '../../shared/protocol/index.js';

export interface SimOptions {
  hub: string;
  token: string;
  hubKeyFingerprint?: string;
  /** The hub CA's pin from a join string (found in the hub's chain for mqtts://). */
  hubCaPin?: string;
  hubCaFile?: string;
  nodes: number;
  /** 0: run until SIGINT/SIGTERM. */
  durationMs: number;
  prefix: string;
  dataDir?: string;
  keepData: boolean;
  heartbeatIntervalMs: number;
  startConcurrency: number;
  podStartDelayMs: number;
  /** Per image (exact reference): its pull delay instead of podStartDelayMs. */
  imagePullDelaysMs: ReadonlyMap<string, number>;
  pullFailureRate: number;
  crashRate: number;
  reconcileIntervalMs: number;
  reportIntervalMs: number;
  /** The first this many devices print `hb NODE EPOCH_MS` as each heartbeat goes out (for latency). */
  traceHeartbeats: number;
}

/**
 * What `flotctl token create --max-uses N` printed: a join string (its key pin is pinned at
 * enrollment, its CA pin used for mqtts://) or a bare token.
 */
export function parseTokenArg(text: string): { token: string; hubKeyFingerprint?: string; caPin?: string } {
  const t = text.trim();
  if (isBootstrapToken(t)) return { token: t };
  if (!isJoinString(t)) throw new Error('--token: neither a join string (mqtts://TOKEN@HOST:PORT/?…) nor a bootstrap token (abcdef.0123456789abcdef)');
  const j = parseJoinString(t, '--token');
  return { token: j.token, hubKeyFingerprint: j.keyPin, ...(j.caPin !== undefined ? { caPin: j.caPin } : {}) };
}

function count(flag: string, v: string, min: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag}: expected a whole number >= ${min}, got "${v}"`);
  return Number(v);
}

/** `--image-pull-delay IMAGE=DURATION`, repeatable: one image's own pull delay. */
function pullDelays(values: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0) throw new Error(`--image-pull-delay: expected IMAGE=DURATION (e.g. registry.example/app:2=2s), got "${v}"`);
    const d = v.slice(eq + 1);
    out.set(v.slice(0, eq), d === '0' ? 0 : parseDuration('--image-pull-delay', d));
  }
  return out;
}

function rate(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${flag}: expected a probability between 0 and 1, got "${v}"`);
  return n;
}

export function parseSimArgs(argv: string[]): SimOptions {
  const program = new Command('sim')
    .description('Run hollow Flotilla devices (the real agent with a fake container engine) against a hub')
    .requiredOption('--hub <url>', "the hub's MQTT URL (mqtt://HOST:PORT or mqtts://HOST:PORT)")
    .requiredOption('--token <token>', 'bootstrap token or join string (flotctl token create --max-uses N)')
    .requiredOption('--nodes <n>', 'how many devices')
    .option('--duration <d>', 'how long to run (e.g. 10m); 0 = until interrupted', '0')
    .option('--prefix <name>', 'node names are PREFIX-0, PREFIX-1, …', 'hollow')
    .option('--data-dir <dir>', 'where device data dirs go (default: a temp dir, removed at exit)')
    .option('--keep-data', 'keep the device data dirs at exit (so a later run reuses the identities)', false)
    .option('--hub-ca <file>', "PEM of the hub's CA, for mqtts://")
    .option('--heartbeat <d>', 'heartbeat interval', '10s')
    .option('--concurrency <n>', 'devices starting (enrolling, first connect) at a time', '50')
    .option('--pod-start-delay <d>', 'how long each image pull takes (a pod\'s start delay)', '0s')
    .option('--image-pull-delay <image=d>', 'one image\'s pull delay instead of --pod-start-delay (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--pull-failure-rate <p>', 'probability an image pull fails', '0')
    .option('--crash-rate <p>', 'probability a started container exits at once', '0')
    .option('--reconcile-interval <d>', "how often each device's reconciler relists its containers", '30s')
    .option('--report-interval <d>', 'how often a progress line is printed', '5s')
    .option('--trace-heartbeats <n>', 'the first N devices print "hb NODE EPOCH_MS" as each heartbeat is sent', '0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<Record<string, string | boolean | string[] | undefined>>();
  const str = (k: string): string => {
    const v = o[k];
    return typeof v === 'string' ? v : '';
  };
  const tok = parseTokenArg(str('token'));
  const hub = str('hub');
  if (!/^(mqtts?|wss?):\/\/[^/]+/.test(hub)) throw new Error(`--hub: expected mqtt://HOST:PORT or mqtts://HOST:PORT, got "${hub}"`);
  const out: SimOptions = {
    hub,
    token: tok.token,
    nodes: count('--nodes', str('nodes'), 1),
    durationMs: str('duration') === '0' ? 0 : parseDuration('--duration', str('duration')),
    prefix: str('prefix'),
    keepData: o['keepData'] === true,
    heartbeatIntervalMs: parseDuration('--heartbeat', str('heartbeat')),
    startConcurrency: count('--concurrency', str('concurrency'), 1),
    podStartDelayMs: str('podStartDelay') === '0' ? 0 : parseDuration('--pod-start-delay', str('podStartDelay')),
    imagePullDelaysMs: pullDelays(Array.isArray(o['imagePullDelay']) ? o['imagePullDelay'] : []),
    pullFailureRate: rate('--pull-failure-rate', str('pullFailureRate')),
    crashRate: rate('--crash-rate', str('crashRate')),
    reconcileIntervalMs: parseDuration('--reconcile-interval', str('reconcileInterval')),
    reportIntervalMs: parseDuration('--report-interval', str('reportInterval')),
    traceHeartbeats: count('--trace-heartbeats', str('traceHeartbeats'), 0),
  };
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(out.prefix)) throw new Error(`--prefix: "${out.prefix}" is not a DNS label`);
  if (tok.hubKeyFingerprint !== undefined) out.hubKeyFingerprint = tok.hubKeyFingerprint;
  if (tok.caPin !== undefined) out.hubCaPin = tok.caPin;
  if (str('dataDir') !== '') out.dataDir = str('dataDir');
  if (str('hubCa') !== '') out.hubCaFile = str('hubCa');
  return out;
}
