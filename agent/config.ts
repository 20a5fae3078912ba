/**
 * The agent's configuration: command-line flags, then `DIR/config.json` (the file a device
 * image carries), then defaults — flags win. `resolveConfig` validates everything once,
 * collecting every problem with the flag or the file and key it came from, so main.ts can
 * refuse to start (exit 2) before it writes anything. It is pure but for reading the hub CA
 * file a setting names, which goes through `AgentEnv.readFile` (tests inject it).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../shared/api/validation/names.js';
import { decodeBase64Key, keyFingerprint, SIGNING_PUBLIC_KEY_BYTES } from '../shared/crypto/index.js';
import { isBootstrapToken } from '../shared/protocol/index.js';
import { parseDuration } from '../shared/util/duration.js';
import { errnoCode, errorMessage, isRecord } from '../shared/util/guards.js';
import { isLogLevel, type LogLevel } from '../shared/util/logger.js';
import { FLOTILLA_VERSION } from '../shared/version.js';

export const DEFAULT_DATA_DIR = '/var/lib/flotilla-agent';
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const CONFIG_FILE_NAME = 'config.json';
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
export const DEFAULT_STATUS_INTERVAL_MS = 5 * 60_000;
/** Environment variable that may carry the bootstrap token (keeps it out of `ps`). */
export const TOKEN_ENV_VAR = 'FLOTILLA_AGENT_TOKEN';
/** The kubelet's default --pod-infra-container-image. */
export const DEFAULT_POD_INFRA_IMAGE = 'registry.k8s.io/pause:3.10';
export const DEFAULT_POD_PIDS_LIMIT = 1024;
export const DEFAULT_RECONCILE_INTERVAL_MS = 2000;

const HEARTBEAT_MIN_MS = 1000;
const HEARTBEAT_MAX_MS = 10 * 60_000;
const STATUS_INTERVAL_MAX_MS = 24 * 3_600_000;
const RECONCILE_INTERVAL_MIN_MS = 200;
const RECONCILE_INTERVAL_MAX_MS = 5 * 60_000;
const IMAGE_REF_RE = /^[a-z0-9][a-z0-9._:/@-]*[a-z0-9]$/i;
const FINGERPRINT_RE = /^sha256:[0-9a-f]{64}$/;
const HUB_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
/** Hub URL schemes that run over TLS, where a configured CA applies. */
const TLS_HUB_SCHEMES = ['mqtts:', 'wss:'] as const;
const PEM_CERT_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;
/** Label domains the agent (or Kubernetes) owns; a node's extra labels may not use them. */
const RESERVED_LABEL_DOMAINS = ['kubernetes.io', 'k8s.io', 'flotilla.io'];
/** …except these, which kubelet also lets a node set on itself. */
const ALLOWED_LABEL_DOMAINS = ['node.kubernetes.io', 'kubelet.kubernetes.io'];

export interface AgentConfig {
  /** The hub's MQTT URL (`mqtt://host:1883`, `mqtts://…`, `ws://…`, `wss://…`). */
  hubUrl: string;
  dataDir: string;
  nodeName: string;
  /** Where nodeName came from: an explicit setting, or the host name by default. */
  nodeNameSource: 'flag' | 'file' | 'hostname';
  /** Bootstrap token; needed only to enroll. */
  token?: string;
  dockerSocket: string;
  heartbeatIntervalMs: number;
  /** Longest time between two full statuses, even when nothing changed. */
  statusIntervalMs: number;
  logLevel: LogLevel;
  /** The hub's Ed25519 public key from provisioning, if the image carries it. */
  hubPublicKey?: Uint8Array;
  /** `sha256:<hex>` of the hub key to pin (from the key above when only that is given). */
  hubKeyFingerprint?: string;
  /** Extra labels for the Node. */
  labels: Record<string, string>;
  /**
   * PEM of the CA certificate(s) to trust for an mqtts:// or wss:// hub instead of the system
   * store (typically the hub's own CA, DATA_DIR/pki/ca.crt on the hub). Only with a TLS URL.
   */
  hubCA?: string;
  // Workload settings; resolveConfig always fills them, hand-built configs may leave the defaults.
  /** The pod sandbox image (holds a pod's network namespace), like the kubelet's --pod-infra-container-image. Default DEFAULT_POD_INFRA_IMAGE. */
  podInfraImage?: string;
  /** Its command; unset: the image's own entrypoint. */
  podInfraCommand?: string[];
  /** pids cgroup limit of every container; 0 or -1: none. Default DEFAULT_POD_PIDS_LIMIT. */
  podPidsLimit?: number;
  /** Whether pods may run `securityContext.privileged: true` containers. Default false. */
  allowPrivileged?: boolean;
  /** How often the reconciler lists Docker's containers to notice exits. Default DEFAULT_RECONCILE_INTERVAL_MS. */
  reconcileIntervalMs?: number;
}

/** Raw flag values as the command line gave them (strings, unvalidated). */
export interface AgentFlags {
  hub?: string;
  dataDir?: string;
  nodeName?: string;
  token?: string;
  dockerSocket?: string;
  heartbeatInterval?: string;
  statusInterval?: string;
  logLevel?: string;
  hubKeyFingerprint?: string;
  /** --hub-ca: a PEM file path. */
  hubCA?: string;
}

/** Facts from the process environment, passed in so resolution stays pure. */
export interface AgentEnv {
  hostname: string;
  /** Relative --data-dir and --docker-socket are resolved against this. */
  cwd: string;
  /** FLOTILLA_AGENT_TOKEN, when set. */
  token?: string;
  /** Reads a file named by a setting (the hub CA) as UTF-8; throws like readFileSync. Default: readFileSync. */
  readFile?: (path: string) => string;
}

/** config.json as read: its path (for messages) and its parsed JSON. */
export interface ConfigFile {
  path: string;
  json: unknown;
}

export interface ConfigProblem {
  /** `--heartbeat-interval`, `/var/lib/flotilla-agent/config.json: heartbeatInterval`, or `FLOTILLA_AGENT_TOKEN`. */
  where: string;
  message: string;
}

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; problems: ConfigProblem[] };

export function formatProblem(p: ConfigProblem): string {
  return `${p.where}: ${p.message}`;
}

/** Keys config.json may hold. */
export const CONFIG_FILE_KEYS = [
  'hub',
  'nodeName',
  'token',
  'dockerSocket',
  'heartbeatInterval',
  'statusInterval',
  'logLevel',
  'hubPublicKey',
  'hubKeyFingerprint',
  'labels',
  'hubCA',
  'podInfraImage',
  'podInfraCommand',
  'podPidsLimit',
  'allowPrivileged',
  'reconcileInterval',
] as const;
type FileKey = (typeof CONFIG_FILE_KEYS)[number];

const FLAG_OF: Partial<Record<FileKey, string>> = {
  hub: '--hub',
  nodeName: '--node-name',
  token: '--token',
  dockerSocket: '--docker-socket',
  heartbeatInterval: '--heartbeat-interval',
  statusInterval: '--status-interval',
  logLevel: '--log-level',
  hubKeyFingerprint: '--hub-key-fingerprint',
  hubCA: '--hub-ca',
};

class Invalid extends Error {}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function str(v: unknown, example: string): string {
  if (typeof v !== 'string') throw new Invalid(`expected a string such as ${example}, got ${typeName(v)}`);
  return v;
}

function parseHubUrl(v: unknown): string {
  const text = str(v, '"mqtt://hub.example:1883"').trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Invalid(`expected a URL such as mqtt://hub.example:1883, got "${text}"`);
  }
  if (!(HUB_SCHEMES as readonly string[]).includes(url.protocol)) {
    throw new Invalid(`unsupported scheme "${url.protocol}" (use mqtt://, mqtts://, ws:// or wss://)`);
  }
  if (url.hostname === '') throw new Invalid(`"${text}" names no host`);
  if (url.username !== '' || url.password !== '') throw new Invalid('must not carry credentials (the agent authenticates with its key)');
  if (url.search !== '' || url.hash !== '') throw new Invalid('must not have a query or fragment');
  if ((url.protocol === 'mqtt:' || url.protocol === 'mqtts:') && url.pathname !== '' && url.pathname !== '/') {
    throw new Invalid('an mqtt:// URL has no path');
  }
  return text;
}

function parseNodeName(v: unknown): string {
  const name = str(v, '"pi-kitchen"');
  const problems = isDNS1123Subdomain(name);
  if (problems.length > 0) throw new Invalid(`"${name}" is not a valid node name: ${problems.join('; ')}`);
  return name;
}

function parseToken(v: unknown): string {
  // Never echo the value: it is a secret.
  const token = str(v, '"abcdef.0123456789abcdef"');
  if (!isBootstrapToken(token)) throw new Invalid('not a bootstrap token: expected 6 and 16 characters of [a-z0-9] joined by "."');
  return token;
}

function parsePath(cwd: string): (v: unknown) => string {
  return (v) => {
    const p = str(v, '"/var/run/docker.sock"');
    if (p === '') throw new Invalid('must not be empty');
    return isAbsolute(p) ? p : resolve(cwd, p);
  };
}

function parseDurationBetween(minMs: number, maxMs: number): (v: unknown) => number {
  return (v) => {
    const text = str(v, '"10s"');
    let ms: number;
    try {
      ms = parseDuration('duration', text);
    } catch {
      throw new Invalid(`expected a duration such as 500ms, 10s, 1m30s or 2h, got "${text}"`);
    }
    if (ms < minMs || ms > maxMs) throw new Invalid(`must be between ${formatMs(minMs)} and ${formatMs(maxMs)}, got "${text}"`);
    return ms;
  };
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function parseImageRef(v: unknown): string {
  const s = str(v, '"registry.k8s.io/pause:3.10"');
  if (!IMAGE_REF_RE.test(s)) throw new Invalid(`"${s}" is not an image reference`);
  return s;
}

function parseCommand(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x): x is string => typeof x === 'string' && x !== '')) {
    throw new Invalid(`expected a non-empty array of non-empty strings, e.g. ["sleep", "2147483647"], got ${typeName(v)}`);
  }
  return v;
}

function parsePidsLimit(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw new Invalid(`expected an integer, -1 or 0 for no limit, got ${JSON.stringify(v)}`);
  return v;
}

function parseBool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Invalid(`expected true or false, got ${typeName(v)}`);
  return v;
}

function parseLogLevel(v: unknown): LogLevel {
  const s = str(v, '"info"');
  if (!isLogLevel(s)) throw new Invalid(`expected debug, info, warn or error, got "${s}"`);
  return s;
}

function parseHubPublicKey(v: unknown): Uint8Array {
  str(v, 'padded base64 of 32 bytes');
  try {
    return decodeBase64Key(v, SIGNING_PUBLIC_KEY_BYTES, 'hubPublicKey');
  } catch (e) {
    throw new Invalid(`expected padded base64 of a 32-byte Ed25519 key: ${errorMessage(e).replace(/^hubPublicKey: /, '')}`);
  }
}

function parseFingerprint(v: unknown): string {
  const s = str(v, '"sha256:<64 hex digits>"').trim().toLowerCase();
  if (!FINGERPRINT_RE.test(s)) throw new Invalid('expected "sha256:" followed by 64 hex digits');
  return s;
}

/** The certificates of a PEM text, each checked to be X.509; `what` names the text in messages. */
function pemCertificates(text: string, what: string): string {
  const blocks = text.match(PEM_CERT_RE) ?? [];
  if (blocks.length === 0) throw new Invalid(`${what} holds no PEM certificate (expected a "${PEM_CERT_BEGIN}" block)`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (e) {
      const which = blocks.length > 1 ? `certificate ${i + 1} of ${what}` : `the certificate in ${what}`;
      throw new Invalid(`${which} is not a valid X.509 certificate: ${errorMessage(e)}`);
    }
  }
  return blocks.join('\n') + '\n';
}

/**
 * The hub CA: a PEM file path (the flag, or config.json), or in config.json the PEM text itself.
 * Returns the validated certificates as PEM. Never echoes PEM text (it could be a private key).
 */
function parseHubCA(cwd: string, read: (path: string) => string): (v: unknown, source: Source) => string {
  return (v, source) => {
    const value = str(v, source === 'flag' ? '"/etc/flotilla/hub-ca.crt"' : `"/etc/flotilla/hub-ca.crt" or "${PEM_CERT_BEGIN}\\n…"`);
    if (value.trim() === '') throw new Invalid('must not be empty');
    if (source !== 'flag' && value.trimStart().startsWith(PEM_CERT_BEGIN)) return pemCertificates(value, 'the PEM text');
    if (value.includes('-----BEGIN')) {
      throw new Invalid(`expected ${source === 'flag' ? 'a PEM file path' : `a PEM file path or a PEM certificate starting with "${PEM_CERT_BEGIN}"`}, got other PEM text`);
    }
    const path = isAbsolute(value) ? value : resolve(cwd, value);
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      const code = errnoCode(e);
      throw new Invalid(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : errorMessage(e)}`);
    }
    return pemCertificates(text, path);
  };
}

function labelDomainReserved(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  const under = (d: string): boolean => domain === d || domain.endsWith(`.${d}`);
  return RESERVED_LABEL_DOMAINS.some(under) && !ALLOWED_LABEL_DOMAINS.some(under);
}

/** Checks every label; returns the valid ones and the problems of the others. */
function parseLabels(v: unknown, where: string, problems: ConfigProblem[]): Record<string, string> {
  if (!isRecord(v)) {
    problems.push({ where, message: `expected an object of label key → value strings, got ${typeName(v)}` });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    const at = `${where}[${JSON.stringify(k)}]`;
    const keyProblems = isQualifiedName(k);
    if (keyProblems.length > 0) {
      problems.push({ where: at, message: `invalid label key: ${keyProblems.join('; ')}` });
      continue;
    }
    if (labelDomainReserved(k)) {
      problems.push({ where: at, message: 'labels under kubernetes.io, k8s.io and flotilla.io are set by the agent itself (node.kubernetes.io/ is allowed)' });
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ where: at, message: `expected a string value, got ${typeName(value)}` });
      continue;
    }
    const valueProblems = isValidLabelValue(value);
    if (valueProblems.length > 0) {
      problems.push({ where: at, message: `invalid label value: ${valueProblems.join('; ')}` });
      continue;
    }
    out[k] = value;
  }
  return out;
}

type Source = 'flag' | 'file' | 'env';

/**
 * Resolves flags over config.json over defaults. `file` is undefined when there is no
 * config.json; its JSON must be an object with only known keys.
 */
export function resolveConfig(flags: AgentFlags, file: ConfigFile | undefined, env: AgentEnv): ConfigResult {
  const problems: ConfigProblem[] = [];
  const dataDir = flags.dataDir !== undefined && flags.dataDir !== '' ? resolve(env.cwd, flags.dataDir) : DEFAULT_DATA_DIR;
  if (flags.dataDir === '') problems.push({ where: '--data-dir', message: 'must not be empty' });
  const filePath = file?.path ?? join(dataDir, CONFIG_FILE_NAME);
  let fileObj: Record<string, unknown> = {};
  if (file !== undefined) {
    if (isRecord(file.json)) {
      fileObj = file.json;
      for (const k of Object.keys(fileObj)) {
        if (!(CONFIG_FILE_KEYS as readonly string[]).includes(k)) {
          problems.push({ where: `${filePath}: ${k}`, message: `unknown key (known keys: ${CONFIG_FILE_KEYS.join(', ')})` });
        }
      }
    } else {
      problems.push({ where: filePath, message: `expected a JSON object, got ${typeName(file.json)}` });
    }
  }

  /** The winning value of a setting, parsed; undefined when unset everywhere or invalid. */
  function pick<T>(key: FileKey, parse: (v: unknown, source: Source) => T, envValue?: string): { value: T; source: Source } | undefined {
    const flagName = FLAG_OF[key];
    const flagValue = flagName !== undefined ? flags[key as keyof AgentFlags] : undefined;
    const candidates: { raw: unknown; where: string; source: Source }[] = [];
    if (flagValue !== undefined && flagName !== undefined) candidates.push({ raw: flagValue, where: flagName, source: 'flag' });
    if (envValue !== undefined) candidates.push({ raw: envValue, where: TOKEN_ENV_VAR, source: 'env' });
    if (fileObj[key] !== undefined) candidates.push({ raw: fileObj[key], where: `${filePath}: ${key}`, source: 'file' });
    // Every given value is checked, so a bad file is reported even when a flag overrides it;
    // the first (highest-priority) one wins, and a bad winner is never replaced by a lower one.
    let winner: { value: T; source: Source } | undefined;
    for (const [i, c] of candidates.entries()) {
      try {
        const value = parse(c.raw, c.source);
        if (i === 0) winner = { value, source: c.source };
      } catch (e) {
        if (!(e instanceof Invalid)) throw e;
        problems.push({ where: c.where, message: e.message });
      }
    }
    return winner;
  }

  const hub = pick('hub', parseHubUrl);
  if (!hub && !problems.some((p) => p.where === '--hub' || p.where === `${filePath}: hub`)) {
    problems.push({ where: '--hub', message: `required: the hub's MQTT URL, e.g. --hub mqtt://hub.example:1883 (or "hub" in ${filePath})` });
  }

  const explicitName = pick('nodeName', parseNodeName);
  let nodeName = explicitName?.value;
  let nodeNameSource: AgentConfig['nodeNameSource'] = explicitName?.source === 'flag' ? 'flag' : 'file';
  const nameGiven = flags.nodeName !== undefined || fileObj.nodeName !== undefined;
  if (!nameGiven) {
    const fromHost = env.hostname.toLowerCase();
    const hostProblems = isDNS1123Subdomain(fromHost);
    if (hostProblems.length > 0) {
      problems.push({
        where: '--node-name',
        message: `the host name "${env.hostname}" is not a valid node name (${hostProblems.join('; ')}); set --node-name or "nodeName" in ${filePath}`,
      });
    } else {
      nodeName = fromHost;
      nodeNameSource = 'hostname';
    }
  }

  const token = pick('token', parseToken, env.token);
  const dockerSocket = pick('dockerSocket', parsePath(env.cwd));
  const heartbeat = pick('heartbeatInterval', parseDurationBetween(HEARTBEAT_MIN_MS, HEARTBEAT_MAX_MS));
  const statusInterval = pick('statusInterval', parseDurationBetween(HEARTBEAT_MIN_MS, STATUS_INTERVAL_MAX_MS));
  const logLevel = pick('logLevel', parseLogLevel);
  const hubPublicKey = pick('hubPublicKey', parseHubPublicKey);
  const fingerprint = pick('hubKeyFingerprint', parseFingerprint);
  const labels = fileObj.labels !== undefined ? parseLabels(fileObj.labels, `${filePath}: labels`, problems) : {};
  const hubCA = pick('hubCA', parseHubCA(env.cwd, env.readFile ?? ((p) => readFileSync(p, 'utf8'))));
  const podInfraImage = pick('podInfraImage', parseImageRef);
  const podInfraCommand = pick('podInfraCommand', parseCommand);
  const podPidsLimit = pick('podPidsLimit', parsePidsLimit);
  const allowPrivileged = pick('allowPrivileged', parseBool);
  const reconcileInterval = pick('reconcileInterval', parseDurationBetween(RECONCILE_INTERVAL_MIN_MS, RECONCILE_INTERVAL_MAX_MS));

  const heartbeatIntervalMs = heartbeat?.value ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const statusIntervalMs = statusInterval?.value ?? Math.max(DEFAULT_STATUS_INTERVAL_MS, heartbeatIntervalMs);
  if (statusInterval && statusIntervalMs < heartbeatIntervalMs) {
    problems.push({
      where: statusInterval.source === 'flag' ? '--status-interval' : `${filePath}: statusInterval`,
      message: `must not be shorter than the heartbeat interval (${formatMs(heartbeatIntervalMs)})`,
    });
  }
  if (hubPublicKey && fingerprint && keyFingerprint(hubPublicKey.value) !== fingerprint.value) {
    problems.push({
      where: fingerprint.source === 'flag' ? '--hub-key-fingerprint' : `${filePath}: hubKeyFingerprint`,
      message: `does not match hubPublicKey (whose fingerprint is ${keyFingerprint(hubPublicKey.value)})`,
    });
  }

  if (hubCA && hub && !(TLS_HUB_SCHEMES as readonly string[]).includes(new URL(hub.value).protocol)) {
    problems.push({
      where: hubCA.source === 'flag' ? '--hub-ca' : `${filePath}: hubCA`,
      message: `hubCA needs an mqtts:// or wss:// hub URL, but the hub is ${hub.value}`,
    });
  }

  if (problems.length > 0 || !hub || nodeName === undefined) return { ok: false, problems };
  const config: AgentConfig = {
    hubUrl: hub.value,
    dataDir,
    nodeName,
    nodeNameSource,
    dockerSocket: dockerSocket?.value ?? DEFAULT_DOCKER_SOCKET,
    heartbeatIntervalMs,
    statusIntervalMs,
    logLevel: logLevel?.value ?? 'info',
    labels,
    podInfraImage: podInfraImage?.value ?? DEFAULT_POD_INFRA_IMAGE,
    podPidsLimit: podPidsLimit?.value ?? DEFAULT_POD_PIDS_LIMIT,
    allowPrivileged: allowPrivileged?.value ?? false,
    reconcileIntervalMs: reconcileInterval?.value ?? DEFAULT_RECONCILE_INTERVAL_MS,
  };
  if (podInfraCommand) config.podInfraCommand = podInfraCommand.value;
  if (token) config.token = token.value;
  if (hubPublicKey) config.hubPublicKey = hubPublicKey.value;
  const pinned = fingerprint?.value ?? (hubPublicKey ? keyFingerprint(hubPublicKey.value) : undefined);
  if (pinned !== undefined) config.hubKeyFingerprint = pinned;
  if (hubCA) config.hubCA = hubCA.value;
  return { ok: true, config };
}

/** Reads DIR/config.json: undefined when absent, a problem when unreadable or not JSON. */
export async function readConfigFile(path: string): Promise<{ file: ConfigFile | undefined } | { problem: ConfigProblem }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { file: undefined };
    return { problem: { where: path, message: `cannot read: ${errorMessage(e)}` } };
  }
  try {
    return { file: { path, json: JSON.parse(text) as unknown } };
  } catch (e) {
    return { problem: { where: path, message: `not valid JSON: ${errorMessage(e)}` } };
  }
}

/** The command line. Parsing only collects strings; resolveConfig validates them. */
export function agentProgram(): Command {
  return new Command()
    .name('flotilla-agent')
    .description('Flotilla agent: runs the pods a Flotilla hub binds to this device on Docker')
    .version(FLOTILLA_VERSION)
    .option('--hub <url>', "the hub's MQTT URL, e.g. mqtt://hub.example:1883")
    .option('--data-dir <dir>', `identity, hub key and desired-state cache (default ${DEFAULT_DATA_DIR})`)
    .option('--node-name <name>', 'node name (default: the lower-cased host name)')
    .option('--token <token>', `bootstrap token to enroll with (or $${TOKEN_ENV_VAR}); not needed once enrolled`)
    .option('--docker-socket <path>', `Docker API socket (default ${DEFAULT_DOCKER_SOCKET})`)
    .option('--heartbeat-interval <duration>', 'how often to send a heartbeat (default 10s)')
    .option('--status-interval <duration>', 'longest time between full statuses, even when unchanged (default 5m)')
    .option('--log-level <level>', 'debug, info, warn or error (default info)')
    .option('--hub-key-fingerprint <sha256:hex>', "pin the hub's signing key: enrollment refuses any other")
    .option('--hub-ca <file>', "PEM file of the CA to trust for an mqtts:// or wss:// hub (e.g. the hub's pki/ca.crt) instead of the system store")
    .showHelpAfterError();
}

/** Parses argv (without node and script) into raw flags. Commander exits on --help / --version. */
export function parseFlags(program: Command, argv: readonly string[]): AgentFlags {
  program.parse([...argv], { from: 'user' });
  const o = program.opts<Record<string, unknown>>();
  const flags: AgentFlags = {};
  const keys: (keyof AgentFlags)[] = ['hub', 'dataDir', 'nodeName', 'token', 'dockerSocket', 'heartbeatInterval', 'statusInterval', 'logLevel', 'hubKeyFingerprint'];
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string') flags[k] = v;
  }
  // Commander names --hub-ca's value hubCa; the setting is hubCA.
  if (typeof o.hubCa === 'string') flags.hubCA = o.hubCa;
  return flags;
}
