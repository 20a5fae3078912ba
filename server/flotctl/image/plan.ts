/**
 * What `flotctl image build` writes into a base image, decided from the inputs alone (no I/O):
 * the agent package's files, its config with the join settings, the unit enabled, the first-boot
 * service, hostname template, Wi-Fi, SSH key and preloaded images in the root filesystem; the
 * memory-cgroup kernel parameters and the SSH switch on the Raspberry Pi boot partition.
 */
import { posix } from 'node:path';
import type { DebEntry } from './deb-reader.js';
import type { LocalFile, RootEdit } from './ext4.js';
import { fixCmdline } from './cmdline.js';
import {
  DEB_CACHE_DIR,
  FIRSTBOOT_SCRIPT,
  FIRSTBOOT_SCRIPT_PATH,
  FIRSTBOOT_UNIT,
  FIRSTBOOT_UNIT_PATH,
  FIRSTBOOT_WANTS_PATH,
  HOSTNAME_TEMPLATE_PATH,
  PRELOAD_DIR,
} from './firstboot.js';

export const AGENT_CONFIG_PATH = '/etc/flotilla/agent.json';
export const AGENT_DATA_DIR = '/var/lib/flotilla-agent';
export const AGENT_UNIT_PATH = '/lib/systemd/system/flotilla-agent.service';
export const AGENT_WANTS_PATH = '/etc/systemd/system/multi-user.target.wants/flotilla-agent.service';
export const WIFI_CONNECTION_PATH = '/etc/NetworkManager/system-connections/flotilla-wifi.nmconnection';
export const ROOT_AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';

export interface ImageInputs {
  debName: string;
  deb: Buffer;
  debEntries: readonly DebEntry[];
  agentJson: string;
  hostnameTemplate?: string;
  wifi?: { ssid: string; psk: string };
  sshAuthorizedKeys?: string;
  preload: readonly { name: string; file: LocalFile }[];
}

export interface BootEdit {
  name: string;
  text: string;
}

export interface ImagePlan {
  root: RootEdit[];
  /** Edits of the FAT boot partition; cmdline.txt only when the base has one. */
  boot: BootEdit[];
}

/** NetworkManager keyfile (Raspberry Pi OS since bookworm, most Debian desktops). */
export function wifiConnection(ssid: string, psk: string): string {
  return ['[connection]', 'id=flotilla-wifi', 'type=wifi', 'autoconnect=true', '', '[wifi]', 'mode=infrastructure', `ssid=${ssid}`, '', '[wifi-security]', 'key-mgmt=wpa-psk', `psk=${psk}`, '', '[ipv4]', 'method=auto', '', '[ipv6]', 'method=auto', ''].join('\n');
}

/** Every directory above `path`, top first (without /). */
function parents(path: string): string[] {
  const out: string[] = [];
  for (let d = posix.dirname(path); d !== '/'; d = posix.dirname(d)) out.unshift(d);
  return out;
}

export function planImage(inp: ImageInputs, baseCmdline: string | undefined): ImagePlan {
  const dirs = new Map<string, { mode: number; keep: boolean }>();
  const needParents = (path: string): void => {
    for (const d of parents(path)) if (!dirs.has(d)) dirs.set(d, { mode: 0o755, keep: true });
  };
  /** A directory of ours whose mode matters (created or corrected). */
  const ownDir = (path: string, mode: number): void => {
    needParents(path);
    dirs.set(path, { mode, keep: false });
  };
  const files: RootEdit[] = [];
  const add = (e: RootEdit): void => {
    needParents(e.path);
    files.push(e);
  };

  for (const e of inp.debEntries) {
    if (e.type === 'dir') needParents(`${e.path}/x`);
    else if (e.type === 'symlink') add({ kind: 'symlink', path: e.path, target: e.target ?? '' });
    else if (e.path !== AGENT_CONFIG_PATH) add({ kind: 'file', path: e.path, mode: e.mode, data: e.data ?? Buffer.alloc(0) });
  }
  add({ kind: 'file', path: AGENT_CONFIG_PATH, mode: 0o600, data: Buffer.from(inp.agentJson) });
  ownDir(AGENT_DATA_DIR, 0o700);
  add({ kind: 'symlink', path: `${AGENT_DATA_DIR}/config.json`, target: AGENT_CONFIG_PATH });
  add({ kind: 'symlink', path: AGENT_WANTS_PATH, target: AGENT_UNIT_PATH });
  add({ kind: 'file', path: `${DEB_CACHE_DIR}/${inp.debName}`, mode: 0o644, data: inp.deb });
  add({ kind: 'file', path: FIRSTBOOT_SCRIPT_PATH, mode: 0o755, data: Buffer.from(FIRSTBOOT_SCRIPT) });
  add({ kind: 'file', path: FIRSTBOOT_UNIT_PATH, mode: 0o644, data: Buffer.from(FIRSTBOOT_UNIT) });
  add({ kind: 'symlink', path: FIRSTBOOT_WANTS_PATH, target: FIRSTBOOT_UNIT_PATH });
  if (inp.hostnameTemplate !== undefined) add({ kind: 'file', path: HOSTNAME_TEMPLATE_PATH, mode: 0o644, data: Buffer.from(`${inp.hostnameTemplate}\n`) });
  if (inp.wifi) add({ kind: 'file', path: WIFI_CONNECTION_PATH, mode: 0o600, data: Buffer.from(wifiConnection(inp.wifi.ssid, inp.wifi.psk)) });
  if (inp.sshAuthorizedKeys !== undefined) {
    ownDir('/root/.ssh', 0o700);
    add({ kind: 'file', path: ROOT_AUTHORIZED_KEYS, mode: 0o600, data: Buffer.from(inp.sshAuthorizedKeys) });
  }
  for (const p of inp.preload) add({ kind: 'file', path: `${PRELOAD_DIR}/${p.name}`, mode: 0o644, data: p.file });

  const root: RootEdit[] = [...dirs].map(([path, d]) => ({ kind: 'dir' as const, path, mode: d.mode, keep: d.keep }));
  root.push(...files);

  const boot: BootEdit[] = [];
  if (baseCmdline !== undefined) {
    boot.push({ name: 'cmdline.txt', text: fixCmdline(baseCmdline) });
    if (inp.sshAuthorizedKeys !== undefined) boot.push({ name: 'ssh', text: '' });
  }
  return { root, boot };
}
