/** A listen address that cannot be had, said in words that name the flag to change. */
import { errnoCode } from '../../shared/util/guards.js';
import { formatHostPort, type ListenAddress } from '../listen-address.js';

/** A flag and the address it gave. */
export interface ListenFlag {
  flag: string;
  addr: ListenAddress;
}

/** Node's listen errors carry the `address` and `port` asked for. */
function errorField(e: Error, name: 'address' | 'port'): unknown {
  const v: unknown = Reflect.get(e, name);
  return v;
}

/**
 * The message for a failed listen (EADDRINUSE, EACCES, EADDRNOTAVAIL) of one of `flags`;
 * undefined for any other error. The error's port tells which flag it was (the host too, when
 * two flags share a port).
 */
export function explainListenError(e: unknown, flags: readonly ListenFlag[]): string | undefined {
  const code = errnoCode(e);
  if (!(e instanceof Error) || (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL')) return undefined;
  const port = errorField(e, 'port');
  const address = errorField(e, 'address');
  const samePort = flags.filter((f) => f.addr.port === port);
  const which = samePort.find((f) => f.addr.host === address) ?? samePort[0];
  if (!which) return undefined;
  const where = formatHostPort(which.addr.host, which.addr.port);
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (another program, perhaps another hub, listens there): choose another address with ${which.flag}`;
    case 'EACCES':
      return `not allowed to listen on ${where} (ports below 1024 need privileges): choose another address with ${which.flag}`;
    case 'EADDRNOTAVAIL':
      return `${which.addr.host} is not an address of this machine: choose another with ${which.flag}`;
  }
}
