/** A real agent process (agent/main.ts through tsx) and its JSON logs, for tests that drive it from outside. */
import { spawn, type ChildProcess } from 'node:child_process';
import { isRecord } from '../../shared/util/guards.js';
import { REPO_ROOT, tsEntry, type HubHandle } from './hub.js';

/** A running agent process and its stderr (JSON log lines). */
export interface AgentProc {
  proc: ChildProcess;
  stderr: () => string;
  /** The JSON log entries so far (other lines skipped). */
  logs: () => Record<string, unknown>[];
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    try {
      const v: unknown = JSON.parse(line);
      if (isRecord(v)) out.push(v);
    } catch {
      // a plain line (e.g. "flotilla-agent: …")
    }
  }
  return out;
}

export function spawnAgent(flags: string[]): AgentProc {
  const { cmd, args } = tsEntry('agent/main.ts');
  let stderr = '';
  const proc = spawn(cmd, [...args, ...flags], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { proc, stderr: () => stderr, logs: () => jsonLines(stderr) };
}

/** A device agent for the e2e tests: enrolls with `token` (without one, reconnects with the credentials in `dataDir`); heartbeat 1 s. */
export function spawnDeviceAgent(o: { hub: Pick<HubHandle, 'mqttUrl' | 'mqttsUrl'>; dataDir: string; nodeName: string; token?: string }): AgentProc {
  const flags = ['--hub', o.hub.mqttsUrl ?? o.hub.mqttUrl, '--data-dir', o.dataDir, '--node-name', o.nodeName, '--heartbeat-interval', '1s'];
  return spawnAgent(o.token === undefined ? flags : [...flags, '--token', o.token]);
}

export async function stopAgent(a: AgentProc | undefined): Promise<void> {
  if (!a || a.proc.exitCode !== null || a.proc.signalCode !== null) return;
  const exited = new Promise((r) => a.proc.once('exit', r));
  a.proc.kill('SIGKILL');
  await exited;
}

