/** The agent's configuration: the resolved type, the raw inputs, problems, and the defaults. */
import type { LogLevel } from '../../shared/util/logger.js';
import type { PodSecurityLevel } from '../../shared/api/pod-security/index.js';
import { LOCAL_PAUSE_IMAGE } from '../network/pause-image.js';
import type { PodNetworkSettings } from '../network/settings.js';

export const DEFAULT_DATA_DIR = '/var/lib/flotilla-agent';
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const CONFIG_FILE_NAME = 'config.json';
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
export const DEFAULT_STATUS_INTERVAL_MS = 5 * 60_000;
/** Environment variable that may carry the bootstrap token (keeps it out of `ps`). */
export const TOKEN_ENV_VAR = 'FLOTILLA_AGENT_TOKEN';
/** The pod sandbox image: built on the device from a host binary (podInfraBinary), never pulled. */
export const DEFAULT_POD_INFRA_IMAGE = LOCAL_PAUSE_IMAGE;
export const DEFAULT_POD_PIDS_LIMIT = 1024;
export const DEFAULT_RECONCILE_INTERVAL_MS = 2000;
/** On tmpfs on every systemd device. */
export const DEFAULT_RUN_DIR = '/run/flotilla-agent';
/**
 * The link's reconnect backoff tops out here: low enough that a fleet is back within about this
 * long after a hub restart, with full jitter spreading it. A down hub costs nothing for devices
 * retrying this often (the connect is refused by the kernel), and a busy one queues CONNECTs
 * (the broker's admission), so a shorter cap costs little; at 30 s even a fleet the hub could
 * take in 3 s took 27 s to come back.
 */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 15_000;

/** The settings only config.json holds (workloads, link tuning), as when it leaves them out. */
export const DEFAULT_WORKLOAD_SETTINGS: Pick<AgentConfig, 'podInfraImage' | 'podPidsLimit' | 'allowPrivileged' | 'reconcileIntervalMs' | 'reconnectMaxDelayMs'> = {
  podInfraImage: DEFAULT_POD_INFRA_IMAGE,
  podPidsLimit: DEFAULT_POD_PIDS_LIMIT,
  allowPrivileged: false,
  reconcileIntervalMs: DEFAULT_RECONCILE_INTERVAL_MS,
  reconnectMaxDelayMs: DEFAULT_RECONNECT_MAX_DELAY_MS,
};

/** The agent's configuration, fully resolved: every default applied, every value checked. */
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
  /** `sha256:<hex>` of the hub CA's public key (from a join string): the TLS handshake must chain to it. */
  hubCaPin?: string;
  /** Plain MQTT to a non-loopback hub, accepted with --insecure-link. */
  insecureLink?: boolean;
  // Workload settings (config.json only).
  /** The pod sandbox image (holds a pod's network namespace), like the kubelet's --pod-infra-container-image. */
  podInfraImage: string;
  /** Its command; unset: the image's own entrypoint. */
  podInfraCommand?: string[];
  /**
   * The static host binary the default podInfraImage is built from (`docker import`) when it is
   * missing. resolveConfig sets it (default /bin/busybox) when podInfraImage is the default.
   */
  podInfraBinary?: string;
  /**
   * The bridge network pods without hostNetwork join. resolveConfig sets the default unless
   * config.json says `"podNetwork": false`; unset: sandboxes have loopback only.
   */
  podNetwork?: PodNetworkSettings;
  /** pids cgroup limit of every container; 0 or -1: none. */
  podPidsLimit: number;
  /** Whether pods may run `securityContext.privileged: true` containers. */
  allowPrivileged: boolean;
  /** How often the reconciler lists Docker's containers to notice exits. */
  reconcileIntervalMs: number;
  // Pod security (config.json only); resolveConfig fills them, hand-built configs get the defaults.
  /** The highest Pod Security level this device runs. Default baseline. */
  podSecurityLevel?: PodSecurityLevel;
  /** Host paths (absolute prefixes) pods may mount as hostPath volumes. Default none. */
  allowedHostPaths?: string[];
  /** A tmpfs directory for what must not reach the disk (Secret volumes). Default DEFAULT_RUN_DIR. */
  runDir?: string;
  /** Longest wait between two reconnect attempts (exponential backoff with full jitter up to this). */
  reconnectMaxDelayMs: number;
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
  insecureLink?: boolean;
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
  'podInfraBinary',
  'podNetwork',
  'podPidsLimit',
  'allowPrivileged',
  'reconcileInterval',
  'podSecurityLevel',
  'allowedHostPaths',
  'runDir',
  'reconnectMaxDelay',
] as const;
export type FileKey = (typeof CONFIG_FILE_KEYS)[number];

/** Where a winning value came from. */
export type Source = 'flag' | 'file' | 'env';
