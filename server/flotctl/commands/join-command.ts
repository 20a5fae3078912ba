/**
 * `flotctl join-command`: prints the one-liner that puts the agent on a device already running
 * Linux (the k3s / `kubeadm token create --print-join-command` way): copy the package, install
 * it, write the join settings and start the agent. Creates a bootstrap token unless --join gives one.
 */
import type { Command } from 'commander';
import { bootstrapTokenSecret, FLEET_NAMESPACE } from '../../../shared/api/fleet-secrets.js';
import { generateBootstrapToken } from '../../../shared/protocol/index.js';
import { rfc3339 } from '../../../shared/util/clock.js';
import { parseDuration } from '../../../shared/util/duration.js';
import { FLOTILLA_VERSION } from '../../../shared/version.js';
import { CliError } from '../errors.js';
import { parseFingerprint, parseHub, parseJoin } from '../image/join.js';
import type { CliIO } from '../io.js';
import { sessionFor } from '../session.js';

const SSH_TARGET_RE = /^([a-z_][a-z0-9_-]*@)?[A-Za-z0-9.-]+$/;
const ARCHES = ['arm64', 'armhf', 'amd64'];

interface JoinCommandFlags {
  hub?: string;
  hubKeyFingerprint?: string;
  join?: string;
  device: string;
  arch: string;
  ttl: string;
  maxUses?: string;
}

/** The one-liner, pure: scp the .deb, dpkg -i it, then `flotilla-agent --join`. */
export function joinCommandLine(o: { device: string; arch: string; token: string; hub: string; hubKeyFingerprint?: string }): string {
  const deb = `flotilla-agent_${FLOTILLA_VERSION}_${o.arch}.deb`;
  const pin = o.hubKeyFingerprint !== undefined ? ` --hub-key-fingerprint ${o.hubKeyFingerprint}` : '';
  return `scp dist/packages/${deb} ${o.device}:/tmp/ && ssh -t ${o.device} 'sudo dpkg -i /tmp/${deb} && sudo flotilla-agent --join ${o.token} --hub ${o.hub}${pin}'`;
}

export function registerJoinCommand(program: Command, io: CliIO): void {
  program
    .command('join-command')
    .description('Print the command that installs the agent on a running Linux device and enrolls it')
    .option('--hub <url>', "the hub's MQTT URL as the device reaches it, e.g. mqtts://hub.example:8883")
    .option('--hub-key-fingerprint <sha256:hex>', "pin the hub's signing key")
    .option('--join <join-string>', 'use this token instead of creating one')
    .option('--device <user@host>', 'the device to install on, for scp and ssh', 'pi@DEVICE')
    .option('--arch <arch>', 'the device architecture: arm64, armhf or amd64', 'arm64')
    .option('--ttl <duration>', 'lifetime of the created token', '24h')
    .option('--max-uses <n>', 'devices the created token may enroll', '1')
    .action(async (f: JoinCommandFlags, cmd: Command) => {
      if (!ARCHES.includes(f.arch)) throw new CliError(`--arch "${f.arch}": expected one of ${ARCHES.join(', ')}`);
      if (!SSH_TARGET_RE.test(f.device)) throw new CliError(`--device "${f.device}": expected host or user@host`);
      parseHub(f.hub);
      parseFingerprint(f.hubKeyFingerprint);
      let token = f.join;
      if (token === undefined) {
        const s = sessionFor(cmd, io);
        let ttlMs: number;
        try {
          ttlMs = parseDuration('--ttl', f.ttl);
        } catch (e: unknown) {
          throw new CliError(e instanceof Error ? e.message : String(e));
        }
        if (f.maxUses !== undefined && !/^[1-9]\d*$/.test(f.maxUses)) throw new CliError(`invalid --max-uses "${f.maxUses}": must be a positive whole number`);
        token = generateBootstrapToken();
        const body = bootstrapTokenSecret(token, {
          ...(ttlMs > 0 ? { expiration: rfc3339(new Date(s.now().getTime() + ttlMs)) } : {}),
          ...(f.maxUses !== undefined ? { maxUses: Number(f.maxUses) } : {}),
          description: `join-command for ${f.device}`,
        });
        await (await s.client()).request({ method: 'POST', path: `/api/v1/namespaces/${FLEET_NAMESPACE}/secrets`, body });
      }
      const j = parseJoin(token, f.hub, f.hubKeyFingerprint);
      io.stdout.write(`${joinCommandLine({ device: f.device, arch: f.arch, token: j.token, hub: j.hub, ...(j.hubKeyFingerprint ? { hubKeyFingerprint: j.hubKeyFingerprint } : {}) })}\n`);
    });
}
