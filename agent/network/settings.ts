/**
 * The pod network's settings (config.json `podNetwork`) and their checks: a bridge network whose
 * name is also the bridge interface's name, one private IPv4 subnet, and the host address
 * hostPorts are published on. Pure.
 */
import { isIPv4 } from 'node:net';
import { isRecord } from '../../shared/util/guards.js';

export interface PodNetworkSettings {
  /** Docker network name and Linux bridge name. */
  name: string;
  /** Private IPv4 CIDR the pods get their addresses from. */
  subnet: string;
  /** Host address hostPorts bind to when a port names no hostIP. */
  hostPortAddress: string;
}

export const DEFAULT_POD_NETWORK: PodNetworkSettings = { name: 'flotilla0', subnet: '10.88.0.0/16', hostPortAddress: '0.0.0.0' };

/** Room for the gateway and a few pods at the small end; at most a /8 (all of 10.0.0.0/8). */
export const SUBNET_PREFIX_MIN = 8;
export const SUBNET_PREFIX_MAX = 28;
/** Linux interface names are at most 15 bytes. */
const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,14}$/;
/** Docker's own networks and modes. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['bridge', 'host', 'none', 'default']);

/** RFC 1918 ranges. */
const PRIVATE_RANGES: readonly { base: number; prefix: number; text: string }[] = [
  { base: ipv4ToInt('10.0.0.0'), prefix: 8, text: '10.0.0.0/8' },
  { base: ipv4ToInt('172.16.0.0'), prefix: 12, text: '172.16.0.0/12' },
  { base: ipv4ToInt('192.168.0.0'), prefix: 16, text: '192.168.0.0/16' },
];

export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** A bad field: which one (`subnet`, …) and what is wrong. */
export interface SettingProblem {
  field: keyof PodNetworkSettings | '';
  message: string;
}

export function checkSubnet(v: unknown): string | undefined {
  if (typeof v !== 'string') return `expected an IPv4 CIDR such as "10.88.0.0/16", got ${v === null ? 'null' : typeof v}`;
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(v);
  if (!m?.[1] || !m[2] || !isIPv4(m[1])) return `"${v}" is not an IPv4 CIDR such as "10.88.0.0/16"`;
  const prefix = Number(m[2]);
  if (prefix < SUBNET_PREFIX_MIN || prefix > SUBNET_PREFIX_MAX) return `"${v}": the prefix length must be between /${SUBNET_PREFIX_MIN} and /${SUBNET_PREFIX_MAX}`;
  const base = ipv4ToInt(m[1]);
  if ((base & ~maskOf(prefix)) >>> 0 !== 0) {
    const aligned = (base & maskOf(prefix)) >>> 0;
    const text = [24, 16, 8, 0].map((s) => (aligned >>> s) & 255).join('.');
    return `"${v}" has host bits set (the network is ${text}/${prefix})`;
  }
  const inside = PRIVATE_RANGES.some((r) => prefix >= r.prefix && (base & maskOf(r.prefix)) >>> 0 === r.base);
  if (!inside) return `"${v}" is not a private range (use part of ${PRIVATE_RANGES.map((r) => r.text).join(', ')})`;
  return undefined;
}

export function checkNetworkName(v: unknown): string | undefined {
  if (typeof v !== 'string' || !NAME_RE.test(v)) return `expected 1-15 characters [a-z0-9_.-] starting with a letter or digit (it names the bridge interface too), got ${JSON.stringify(v)}`;
  if (RESERVED_NAMES.has(v)) return `"${v}" is one of Docker's own networks`;
  return undefined;
}

export function checkHostPortAddress(v: unknown): string | undefined {
  if (typeof v !== 'string' || !isIPv4(v)) return `expected an IPv4 address such as "0.0.0.0" or "127.0.0.1", got ${JSON.stringify(v)}`;
  return undefined;
}

/**
 * config.json's `podNetwork`: `false` (pods without hostNetwork get no network, only loopback),
 * or an object whose fields override the defaults. Problems name the field.
 */
export function parsePodNetwork(raw: unknown): { value: PodNetworkSettings | undefined; problems: SettingProblem[] } {
  if (raw === false) return { value: undefined, problems: [] };
  if (!isRecord(raw)) return { value: undefined, problems: [{ field: '', message: 'expected false or an object with name, subnet and hostPortAddress' }] };
  const obj = raw;
  const problems: SettingProblem[] = [];
  const known = new Set<string>(['name', 'subnet', 'hostPortAddress']);
  for (const k of Object.keys(obj)) if (!known.has(k)) problems.push({ field: '', message: `unknown key "${k}" (known: name, subnet, hostPortAddress)` });
  const value: PodNetworkSettings = { ...DEFAULT_POD_NETWORK };
  const checks: [keyof PodNetworkSettings, (v: unknown) => string | undefined][] = [
    ['name', checkNetworkName],
    ['subnet', checkSubnet],
    ['hostPortAddress', checkHostPortAddress],
  ];
  for (const [field, check] of checks) {
    const v = obj[field];
    if (v === undefined) continue;
    const problem = check(v);
    if (problem !== undefined) problems.push({ field, message: problem });
    else if (typeof v === 'string') value[field] = v;
  }
  return problems.length > 0 ? { value: undefined, problems } : { value, problems };
}
