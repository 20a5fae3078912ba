/**
 * `flotilla-agent --join JOIN_STRING`: configures this device to enroll (the device side of
 * `flotctl join-command`). Writes the join string (hub address, token and pins, from `flotctl
 * token create`) as the `token` setting into DIR/config.json — through its symlink to
 * /etc/flotilla/agent.json when the package made one — validated as the agent will read it, then
 * starts the service when systemd runs it, or says how to start the agent. A bare token needs --hub.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { isJoinString, parseBootstrapToken, parseJoinString } from '../shared/protocol/index.js';
import { writeFileAtomic } from '../shared/util/atomic-file.js';
import { errorMessage, isRecord } from '../shared/util/guards.js';
import { CONFIG_FILE_NAME, DEFAULT_DATA_DIR, formatProblem, readConfigFile, resolveConfig } from './config/index.js';

const exec = promisify(execFile);
const UNIT = 'flotilla-agent.service';
/** Flags --join takes; everything else belongs to a normal agent run. */
const JOIN_FLAGS = ['--join', '--hub', '--hub-key-fingerprint', '--data-dir', '--node-name'] as const;
type JoinFlag = (typeof JOIN_FLAGS)[number];

export interface JoinOutcome {
  configPath: string;
  started: boolean;
  message: string;
}

export class JoinError extends Error {}

/** Parses `--flag value` / `--flag=value` pairs; refuses any other argument. */
export function parseJoinArgs(argv: readonly string[]): Partial<Record<JoinFlag, string>> {
  const out: Partial<Record<JoinFlag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(JOIN_FLAGS as readonly string[]).includes(name)) throw new JoinError(`${arg}: with --join only ${JOIN_FLAGS.join(', ')} are accepted`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new JoinError(`${name} needs a value`);
    out[name as JoinFlag] = value;
  }
  return out;
}

/** Writes the config and starts the service when it can. `startService` is injected for tests. */
export async function runJoin(
  argv: readonly string[],
  startService: () => Promise<boolean> = systemdStart,
): Promise<JoinOutcome> {
  const f = parseJoinArgs(argv);
  const joinString = (f['--join'] ?? '').trim();
  try {
    if (isJoinString(joinString)) parseJoinString(joinString, '--join');
    else parseBootstrapToken(joinString, '--join');
  } catch (e: unknown) {
    throw new JoinError(errorMessage(e));
  }
  if (!isJoinString(joinString) && f['--hub'] === undefined) throw new JoinError("--hub is required with a bare token: the hub's MQTT URL (a join string from flotctl token create carries it)");
  const dataDir = resolve(f['--data-dir'] ?? DEFAULT_DATA_DIR);
  const link = join(dataDir, CONFIG_FILE_NAME);
  // Through the package's symlink to /etc/flotilla/agent.json, so the rename replaces the target.
  const configPath = existsSync(link) ? await realpath(link) : link;
  const read = await readConfigFile(configPath);
  if ('problem' in read) throw new JoinError(formatProblem(read.problem));
  const current = isRecord(read.file?.json) ? read.file.json : {};
  const next: Record<string, unknown> = { ...current, token: joinString };
  if (f['--hub'] !== undefined) next['hub'] = f['--hub'];
  else delete next['hub'];
  if (f['--hub-key-fingerprint'] !== undefined) next['hubKeyFingerprint'] = f['--hub-key-fingerprint'];
  if (f['--node-name'] !== undefined) next['nodeName'] = f['--node-name'];
  const check = resolveConfig({ dataDir }, { path: configPath, json: next }, { hostname: hostname(), cwd: process.cwd() });
  if (!check.ok) throw new JoinError(check.problems.map(formatProblem).join('\n'));
  await writeFileAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`, 0o600);
  const started = await startService();
  return {
    configPath,
    started,
    message: started
      ? `wrote ${configPath}; ${UNIT} enabled and started: the device enrolls as ${check.config.nodeName}`
      : `wrote ${configPath}; start the agent: flotilla-agent --data-dir ${dataDir}`,
  };
}

/** Enables and (re)starts the unit when systemd runs this machine and knows the unit. */
async function systemdStart(): Promise<boolean> {
  if (!existsSync('/run/systemd/system')) return false;
  try {
    await exec('systemctl', ['cat', UNIT]);
  } catch {
    return false;
  }
  await exec('systemctl', ['enable', UNIT]);
  await exec('systemctl', ['restart', UNIT]);
  return true;
}

/** main.ts's hook: handles `--join` runs (exit 0, or 2 on bad input); false for any other run. */
export async function handleJoin(argv: readonly string[]): Promise<boolean> {
  if (!argv.some((a) => a === '--join' || a.startsWith('--join='))) return false;
  try {
    const out = await runJoin(argv);
    process.stdout.write(`flotilla-agent: ${out.message}\n`);
    process.exit(0);
  } catch (e: unknown) {
    process.stderr.write(`flotilla-agent: ${errorMessage(e)}\n`);
    process.exit(e instanceof JoinError ? 2 : 1);
  }
}
