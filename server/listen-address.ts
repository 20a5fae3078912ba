/** `HOST:PORT` flags, checked once with a message that names the flag. */

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(flag: string, value: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || !Number.isInteger(port) || port > 65535) {
    throw new Error(`${flag}: expected HOST:PORT (e.g. 127.0.0.1:6443, [::1]:6443; port 0 picks a free one), got "${value}"`);
  }
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
