/** `flotctl image build`: a device image with the agent baked in, from a base OS image. */
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { FLOTILLA_VERSION } from '../../../shared/version.js';
import { CliError } from '../errors.js';
import type { CliIO } from '../io.js';
import { buildImage, type PreloadSource } from '../image/build.js';
import { agentJson, parseJoin } from '../image/join.js';
import { parseImageRef } from '../image/registry-pull.js';

const ARCHES = ['arm64', 'armhf', 'amd64'];
const HOSTNAME_TEMPLATE_RE = /^[a-z0-9]([a-z0-9-]|\{serial\})*$/;
const SSH_KEY_RE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+/;

interface BuildFlags {
  base: string;
  output: string;
  join: string;
  hub?: string;
  hubKeyFingerprint?: string;
  hostnameTemplate?: string;
  wifiSsid?: string;
  wifiPskFile?: string;
  sshAuthorizedKey?: string;
  preloadImage: string[];
  agentDeb?: string;
  arch: string;
}

/** dist/packages/ of this flotctl's own installation, where `npm run package` puts the .debs. */
function defaultDeb(arch: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  return join(dir, 'dist', 'packages', `flotilla-agent_${FLOTILLA_VERSION}_${arch}.deb`);
}

async function readInput(io: CliIO, flag: string, path: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd ?? process.cwd(), path), 'utf8');
  } catch (e: unknown) {
    throw new CliError(`${flag} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A `docker save` archive when `p` is a file, else an image reference to pull from its registry. */
async function preloadSource(cwd: string, p: string): Promise<PreloadSource> {
  const path = resolve(cwd, p);
  if (!existsSync(path)) {
    const ref = parseImageRef(p);
    if (!ref) throw new CliError(`--preload-image ${p}: neither a file nor an image reference such as registry.example/app:1.0`);
    return { ref };
  }
  const head = Buffer.alloc(512);
  try {
    const fh = await open(path, 'r');
    await fh.read(head, 0, 512, 0);
    await fh.close();
  } catch (e: unknown) {
    throw new CliError(`--preload-image ${p}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (head.subarray(257, 262).toString('latin1') !== 'ustar') throw new CliError(`--preload-image ${p}: not a tar archive (make one with: docker save IMAGE -o FILE.tar, or name the image to pull it)`);
  return { file: path };
}

async function validate(f: BuildFlags, io: CliIO): Promise<Parameters<typeof buildImage>[0]> {
  const cwd = io.cwd ?? process.cwd();
  if (!ARCHES.includes(f.arch)) throw new CliError(`--arch "${f.arch}": expected one of ${ARCHES.join(', ')}`);
  const join = parseJoin(f.join, f.hub, f.hubKeyFingerprint);
  if (f.hostnameTemplate !== undefined && (!HOSTNAME_TEMPLATE_RE.test(f.hostnameTemplate) || f.hostnameTemplate.length > 40)) {
    throw new CliError(`--hostname-template "${f.hostnameTemplate}": lower-case letters, digits, "-" and {serial}, starting with a letter or digit, at most 40 characters`);
  }
  if ((f.wifiSsid === undefined) !== (f.wifiPskFile === undefined)) throw new CliError('--wifi-ssid and --wifi-psk-file go together');
  let wifi: { ssid: string; psk: string } | undefined;
  if (f.wifiSsid !== undefined && f.wifiPskFile !== undefined) {
    const psk = (await readInput(io, '--wifi-psk-file', f.wifiPskFile)).replace(/\r?\n$/, '');
    if (psk.length < 8 || psk.length > 63 || /[\r\n]/.test(psk)) throw new CliError('--wifi-psk-file: a WPA passphrase is 8 to 63 characters on one line');
    if (f.wifiSsid === '' || f.wifiSsid.length > 32 || /[\r\n]/.test(f.wifiSsid)) throw new CliError('--wifi-ssid: 1 to 32 characters on one line');
    wifi = { ssid: f.wifiSsid, psk };
  }
  let keys: string | undefined;
  if (f.sshAuthorizedKey !== undefined) {
    keys = await readInput(io, '--ssh-authorized-key', f.sshAuthorizedKey);
    const lines = keys.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    if (lines.length === 0 || !lines.every((l) => SSH_KEY_RE.test(l.trim()))) throw new CliError(`--ssh-authorized-key ${f.sshAuthorizedKey}: not an OpenSSH public key (e.g. the .pub file)`);
    if (!keys.endsWith('\n')) keys += '\n';
  }
  const preload: PreloadSource[] = [];
  for (const p of f.preloadImage) preload.push(await preloadSource(cwd, p));
  const base = resolve(cwd, f.base);
  if (!existsSync(base)) throw new CliError(`--base ${f.base}: no such file`);
  const agentDeb = f.agentDeb !== undefined ? resolve(cwd, f.agentDeb) : defaultDeb(f.arch);
  if (!existsSync(agentDeb)) throw new CliError(`agent package ${agentDeb} not found: run npm run package, or give --agent-deb`);
  return {
    base,
    out: resolve(cwd, f.output),
    agentDeb,
    arch: f.arch,
    agentJson: agentJson(join),
    ...(f.hostnameTemplate !== undefined ? { hostnameTemplate: f.hostnameTemplate } : {}),
    ...(wifi ? { wifi } : {}),
    ...(keys !== undefined ? { sshAuthorizedKeys: keys } : {}),
    preload,
  };
}

export function registerImage(program: Command, io: CliIO): void {
  const image = program.command('image').description('Device images with the Flotilla agent baked in');
  image
    .command('build')
    .description('Write the agent, its join settings and first-boot setup into a copy of a base OS image (no mount, no root)')
    .requiredOption('--base <image>', 'the base OS image (Raspberry Pi OS, Debian), raw .img; it is only read')
    .requiredOption('-o, --output <image>', 'the image to write')
    .requiredOption('--join <join-string>', 'what `flotctl token create` printed')
    .option('--hub <url>', 'the hub address, only with a bare token (a join string carries it)')
    .option('--hub-key-fingerprint <sha256:hex>', "pin the hub's signing key, only with a bare token")
    .option('--hostname-template <template>', 'the node name, {serial} being the board serial number, e.g. pi-{serial}')
    .option('--wifi-ssid <ssid>', 'Wi-Fi network to join')
    .option('--wifi-psk-file <file>', 'file holding its WPA passphrase')
    .option('--ssh-authorized-key <file>', "an OpenSSH public key allowed to log in as root")
    .option('--preload-image <file>', 'a `docker save` archive, or an image reference pulled from its registry now, loaded at first boot (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--agent-deb <file>', 'the agent package (default: dist/packages/flotilla-agent_<version>_<arch>.deb)')
    .option('--arch <arch>', 'the device architecture: arm64, armhf or amd64', 'arm64')
    .action(async (flags: BuildFlags) => {
      const opts = await validate(flags, io);
      const t0 = Date.now();
      let report;
      try {
        report = await buildImage(opts);
      } catch (e: unknown) {
        throw new CliError(`image build: ${e instanceof Error ? e.message : String(e)}`);
      }
      io.stdout.write(`wrote ${report.out} (${report.table.toUpperCase()}): ${report.rootEdits} root filesystem entries, boot partition: ${report.bootEdits.join(', ') || 'none'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    });
}
