/**
 * Resolution: command-line flags, then `DIR/config.json` (the file a device image carries), then
 * defaults — flags win. `resolveConfig` validates everything once, collecting every problem with
 * the flag or the file and key it came from, so main.ts can refuse to start (exit 2) before it
 * writes anything. It is pure but for reading the hub CA file a setting names, which goes
 * through `AgentEnv.readFile` (tests inject it).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isDNS1123Subdomain } from '../../shared/api/validation/names.js';
import { keyFingerprint } from '../../shared/crypto/index.js';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import {
  formatMs,
  HEARTBEAT_MAX_MS,
  HEARTBEAT_MIN_MS,
  Invalid,
  parseAllowedHostPaths,
  parseBool,
  parseCommand,
  parsePodSecurityLevel,
  parseDurationBetween,
  parseFingerprint,
  parseHubCA,
  parseHubPublicKey,
  parseHubUrl,
  parseImageRef,
  parseLabels,
  parseLogLevel,
  parseNodeName,
  parsePath,
  parsePidsLimit,
  parseToken,
  RECONCILE_INTERVAL_MAX_MS,
  RECONCILE_INTERVAL_MIN_MS,
  RECONNECT_MAX_DELAY_MAX_MS,
  RECONNECT_MAX_DELAY_MIN_MS,
  STATUS_INTERVAL_MAX_MS,
  TLS_HUB_SCHEMES,
  typeName,
} from './parse.js';
import {
  CONFIG_FILE_KEYS,
  CONFIG_FILE_NAME,
  DEFAULT_DATA_DIR,
  DEFAULT_DOCKER_SOCKET,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_STATUS_INTERVAL_MS,
  DEFAULT_RUN_DIR,
  DEFAULT_WORKLOAD_SETTINGS,
  TOKEN_ENV_VAR,
  type AgentConfig,
  type AgentEnv,
  type AgentFlags,
  type ConfigFile,
  type ConfigProblem,
  type ConfigResult,
  type FileKey,
  type Source,
} from './types.js';
import { resolveLinkPolicy } from './link-policy.js';
import { DEFAULT_PAUSE_BINARY, LOCAL_PAUSE_IMAGE, pauseCommand } from '../network/pause-image.js';
import { DEFAULT_POD_NETWORK, parsePodNetwork, type PodNetworkSettings } from '../network/settings.js';

export function formatProblem(p: ConfigProblem): string {
  return `${p.where}: ${p.message}`;
}

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
  const podInfraBinary = pick('podInfraBinary', parsePath(env.cwd));
  const localPause = (podInfraImage?.value ?? DEFAULT_WORKLOAD_SETTINGS.podInfraImage) === LOCAL_PAUSE_IMAGE;
  if (podInfraBinary && !localPause) {
    problems.push({ where: `${filePath}: podInfraBinary`, message: `builds the default pause image ${LOCAL_PAUSE_IMAGE}; it does not apply to podInfraImage ${podInfraImage?.value ?? ''}` });
  }
  let podNetwork: PodNetworkSettings | undefined = DEFAULT_POD_NETWORK;
  if (fileObj.podNetwork !== undefined) {
    const parsed = parsePodNetwork(fileObj.podNetwork);
    for (const p of parsed.problems) problems.push({ where: `${filePath}: podNetwork${p.field === '' ? '' : `.${p.field}`}`, message: p.message });
    podNetwork = parsed.value;
  }
  const podPidsLimit = pick('podPidsLimit', parsePidsLimit);
  const allowPrivileged = pick('allowPrivileged', parseBool);
  const podSecurityLevel = pick('podSecurityLevel', parsePodSecurityLevel);
  const allowedHostPaths = pick('allowedHostPaths', parseAllowedHostPaths);
  const runDir = pick('runDir', parsePath(env.cwd));
  const reconcileInterval = pick('reconcileInterval', parseDurationBetween(RECONCILE_INTERVAL_MIN_MS, RECONCILE_INTERVAL_MAX_MS));
  const reconnectMaxDelay = pick('reconnectMaxDelay', parseDurationBetween(RECONNECT_MAX_DELAY_MIN_MS, RECONNECT_MAX_DELAY_MAX_MS));

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

  const whereOf = (p: { source: Source } | undefined, key: FileKey, flag: string): string =>
    p?.source === 'file' ? `${filePath}: ${key}` : p?.source === 'env' ? TOKEN_ENV_VAR : flag;
  const pinnedKey = fingerprint?.value ?? (hubPublicKey ? keyFingerprint(hubPublicKey.value) : undefined);
  const link = resolveLinkPolicy({
    ...(hub ? { hubUrl: hub.value } : {}),
    ...(token ? { token: token.value } : {}),
    ...(hubCA ? { hubCA: hubCA.value } : {}),
    ...(pinnedKey !== undefined ? { hubKeyFingerprint: pinnedKey } : {}),
    insecureLink: flags.insecureLink === true,
    where: { hub: whereOf(hub, 'hub', '--hub'), token: whereOf(token, 'token', '--token'), fingerprint: whereOf(fingerprint, 'hubKeyFingerprint', '--hub-key-fingerprint') },
  });
  // A setting that is itself invalid was reported already; the link policy speaks only of valid ones.
  if (!link.ok && !problems.some((p) => p.where === '--hub' || p.where === `${filePath}: hub` || p.where.endsWith('token') || p.where === TOKEN_ENV_VAR)) problems.push(...link.problems);
  if (problems.length > 0 || !link.ok || nodeName === undefined) return { ok: false, problems };
  const config: AgentConfig = {
    hubUrl: link.policy.hubUrl,
    dataDir,
    nodeName,
    nodeNameSource,
    dockerSocket: dockerSocket?.value ?? DEFAULT_DOCKER_SOCKET,
    heartbeatIntervalMs,
    statusIntervalMs,
    logLevel: logLevel?.value ?? 'info',
    labels,
    podInfraImage: podInfraImage?.value ?? DEFAULT_WORKLOAD_SETTINGS.podInfraImage,
    podPidsLimit: podPidsLimit?.value ?? DEFAULT_WORKLOAD_SETTINGS.podPidsLimit,
    allowPrivileged: allowPrivileged?.value ?? DEFAULT_WORKLOAD_SETTINGS.allowPrivileged,
    reconcileIntervalMs: reconcileInterval?.value ?? DEFAULT_WORKLOAD_SETTINGS.reconcileIntervalMs,
    podSecurityLevel: podSecurityLevel?.value ?? 'baseline',
    allowedHostPaths: allowedHostPaths?.value ?? [],
    runDir: runDir?.value ?? DEFAULT_RUN_DIR,
    reconnectMaxDelayMs: reconnectMaxDelay?.value ?? DEFAULT_WORKLOAD_SETTINGS.reconnectMaxDelayMs,
  };
  if (localPause) config.podInfraBinary = podInfraBinary?.value ?? DEFAULT_PAUSE_BINARY;
  if (podInfraCommand) config.podInfraCommand = podInfraCommand.value;
  else if (config.podInfraBinary !== undefined) config.podInfraCommand = pauseCommand(config.podInfraBinary);
  if (podNetwork) config.podNetwork = podNetwork;
  if (link.policy.token !== undefined) config.token = link.policy.token;
  if (hubPublicKey) config.hubPublicKey = hubPublicKey.value;
  if (link.policy.hubKeyFingerprint !== undefined) config.hubKeyFingerprint = link.policy.hubKeyFingerprint;
  if (link.policy.hubCaPin !== undefined) config.hubCaPin = link.policy.hubCaPin;
  if (link.policy.insecure) config.insecureLink = true;
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

/**
 * The whole resolution main.ts needs: config.json from the data dir the flags name (or the
 * default), then flags over it over defaults. `env.readFile` is not used for config.json.
 */
export async function loadAgentConfig(flags: AgentFlags, env: AgentEnv): Promise<ConfigResult> {
  const dataDir = flags.dataDir !== undefined && flags.dataDir !== '' ? resolve(env.cwd, flags.dataDir) : DEFAULT_DATA_DIR;
  const read = await readConfigFile(join(dataDir, CONFIG_FILE_NAME));
  if ('problem' in read) return { ok: false, problems: [read.problem] };
  return resolveConfig(flags, read.file, env);
}
