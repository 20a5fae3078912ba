/**
 * Which host paths a pod may mount on this device: only paths inside an entry of the agent's
 * `allowedHostPaths` (empty by default: none). The agent's data dir, the Docker socket and `/`
 * are protected: a hostPath that is one of them, holds one (a parent directory) or lies inside
 * one is refused unless `allowedHostPaths` names the protected path exactly. Pure; setup.ts applies it
 * again to the path with symlinks resolved.
 */
import { posix } from 'node:path';

export interface HostPathPolicy {
  /** Absolute, normalized prefixes pods may mount. */
  allowed: readonly string[];
  /** Paths no pod may reach unless `allowed` names them exactly (data dir, Docker socket, `/`). */
  protected: readonly { path: string; what: string }[];
}

function within(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

/** Why `path` may not be mounted, or undefined when it may. */
export function hostPathRefusal(rawPath: string, policy: HostPathPolicy): string | undefined {
  if (!rawPath.startsWith('/')) return `hostPath ${JSON.stringify(rawPath)} is not absolute`;
  const path = posix.normalize(rawPath).replace(/(.)\/+$/, '$1');
  for (const p of policy.protected) {
    // The path is the protected one, contains it, or is inside it (everything is inside `/`).
    const reaches = within(p.path, path) || (p.path !== '/' && within(path, p.path));
    if (reaches && !policy.allowed.includes(p.path)) {
      return `hostPath ${JSON.stringify(path)} would expose ${p.what} (${p.path}); only an allowedHostPaths entry naming ${JSON.stringify(p.path)} exactly allows that`;
    }
  }
  if (!policy.allowed.some((a) => within(path, a))) {
    return policy.allowed.length === 0
      ? `hostPath ${JSON.stringify(path)} is not allowed: this device allows no host paths (agent setting allowedHostPaths)`
      : `hostPath ${JSON.stringify(path)} is not inside a path this device allows (agent setting allowedHostPaths: ${policy.allowed.join(', ')})`;
  }
  return undefined;
}
