/** The agent's command line: parsing only collects strings; resolveConfig validates them. */
import { Command } from 'commander';
import { FLOTILLA_VERSION } from '../../shared/version.js';
import { DEFAULT_DATA_DIR, DEFAULT_DOCKER_SOCKET, TOKEN_ENV_VAR, type AgentFlags } from './types.js';

/** The flags of `flotilla-agent`. */
export function agentProgram(): Command {
  return new Command()
    .name('flotilla-agent')
    .description('Flotilla agent: runs the pods a Flotilla hub binds to this device on Docker')
    .version(FLOTILLA_VERSION)
    .option('--hub <url>', "the hub's MQTT URL, e.g. mqtt://hub.example:1883")
    .option('--data-dir <dir>', `identity, hub key and desired-state cache (default ${DEFAULT_DATA_DIR})`)
    .option('--node-name <name>', 'node name (default: the lower-cased host name)')
    .option('--token <join>', `join string from \`flotctl token create\` (or a bare bootstrap token; or $${TOKEN_ENV_VAR}); not needed once enrolled`)
    .option('--docker-socket <path>', `Docker API socket (default ${DEFAULT_DOCKER_SOCKET})`)
    .option('--heartbeat-interval <duration>', 'how often to send a heartbeat (default 10s)')
    .option('--status-interval <duration>', 'longest time between full statuses, even when unchanged (default 5m)')
    .option('--log-level <level>', 'debug, info, warn or error (default info)')
    .option('--hub-key-fingerprint <sha256:hex>', "pin the hub's signing key: enrollment refuses any other")
    .option('--hub-ca <file>', "PEM file of the CA to trust for an mqtts:// or wss:// hub (e.g. the hub's pki/ca.crt) instead of the system store")
    .option('--insecure-link', 'allow plain mqtt:// or ws:// to a hub that is not on this machine (unencrypted, unauthenticated hub)')
    .showHelpAfterError();
}

/** Parses argv (without node and script) into raw flags. Commander exits on --help / --version. */
export function parseFlags(program: Command, argv: readonly string[]): AgentFlags {
  program.parse([...argv], { from: 'user' });
  const o = program.opts<Record<string, unknown>>();
  const flags: AgentFlags = {};
  const keys: Exclude<keyof AgentFlags, 'insecureLink'>[] = ['hub', 'dataDir', 'nodeName', 'token', 'dockerSocket', 'heartbeatInterval', 'statusInterval', 'logLevel', 'hubKeyFingerprint'];
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string') flags[k] = v;
  }
  // Commander names --hub-ca's value hubCa; the setting is hubCA.
  if (typeof o.hubCa === 'string') flags.hubCA = o.hubCa;
  if (o.insecureLink === true) flags.insecureLink = true;
  return flags;
}
