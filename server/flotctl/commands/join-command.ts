/**
 * `flotctl join-command --join JOIN`: prints the one-liner that puts the agent on a device
 * already running Linux (the k3s / `kubeadm token create --print-join-command` way): copy the
 * package, install it, and enroll with the join string from `flotctl token create`.
 */
import type { Command } from 'commander';
import { FLOTILLA_VERSION } from '../../../shared/version.js';
import { CliError } from '../errors.js';
import { parseJoin } from '../image/join.js';
import type { CliIO } from '../io.js';

const SSH_TARGET_RE = /^([a-z_][a-z0-9_-]*@)?[A-Za-z0-9.-]+$/;
const ARCHES = ['arm64', 'armhf', 'amd64'];

interface JoinCommandFlags {
  join: string;
  hub?: string;
  device: string;
  arch: string;
}

/** Single-quotes a word for the remote shell. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The one-liner, pure: scp the .deb, dpkg -i it, then `flotilla-agent --join`. */
export function joinCommandLine(o: { device: string; arch: string; join: string; hub?: string }): string {
  const deb = `flotilla-agent_${FLOTILLA_VERSION}_${o.arch}.deb`;
  const hub = o.hub !== undefined ? ` --hub ${o.hub}` : '';
  const remote = `sudo dpkg -i /tmp/${deb} && sudo flotilla-agent --join ${shq(o.join)}${hub}`;
  return `scp dist/packages/${deb} ${o.device}:/tmp/ && ssh -t ${o.device} ${shq(remote)}`;
}

export function registerJoinCommand(program: Command, io: CliIO): void {
  program
    .command('join-command')
    .description('Print the command that installs the agent on a running Linux device and enrolls it')
    .requiredOption('--join <join-string>', 'what `flotctl token create` printed')
    .option('--hub <url>', 'the hub address, only with a bare token')
    .option('--device <user@host>', 'the device to install on, for scp and ssh', 'pi@DEVICE')
    .option('--arch <arch>', 'the device architecture: arm64, armhf or amd64', 'arm64')
    .action((f: JoinCommandFlags) => {
      if (!ARCHES.includes(f.arch)) throw new CliError(`--arch "${f.arch}": expected one of ${ARCHES.join(', ')}`);
      if (!SSH_TARGET_RE.test(f.device)) throw new CliError(`--device "${f.device}": expected host or user@host`);
      const j = parseJoin(f.join, f.hub, undefined);
      io.stdout.write(`${joinCommandLine({ device: f.device, arch: f.arch, join: j.token, ...(j.hub !== undefined ? { hub: j.hub } : {}) })}\n`);
    });
}
