/** What the runtime is and can enforce (version, platform, cgroup support), and a quick version check. */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import type { DockerClient } from './docker-client.js';
import { memoryCgroupEnabled, platformOf } from './platform.js';
import type { RuntimeInfo } from './types.js';

/** Where the host's /proc and /sys are (tests point them at recordings). */
export interface HostRoots {
  procRoot: string;
  sysRoot: string;
}

export async function runtimeInfo(c: DockerClient, roots: HostRoots): Promise<RuntimeInfo> {
  const [version, raw, cpuinfo, procCgroups] = await Promise.all([
    c.call('GET /version', (signal) => versionBody(c, signal)),
    c.call<unknown>('GET /info', () => c.docker.info() as Promise<unknown>),
    readOptional(join(roots.procRoot, 'cpuinfo')),
    readOptional(join(roots.procRoot, 'cgroups')),
  ]);
  const v = isRecord(version) ? version : {};
  const i = isRecord(raw) ? raw : {};
  const str = (o: JsonObject, k: string): string => {
    const x = o[k];
    return typeof x === 'string' ? x : '';
  };
  let cgroupVersion: RuntimeInfo['cgroupVersion'];
  const reported = str(i, 'CgroupVersion');
  if (reported === '1' || reported === '2') cgroupVersion = reported;
  else cgroupVersion = (await exists(join(roots.sysRoot, 'fs/cgroup/cgroup.controllers'))) ? '2' : '1';
  const memoryEnabled = memoryCgroupEnabled(procCgroups);
  const result: RuntimeInfo = {
    version: str(v, 'Version') || str(i, 'ServerVersion'),
    apiVersion: str(v, 'ApiVersion'),
    platform: platformOf({
      os: str(v, 'Os') || str(i, 'OSType'),
      goArch: str(v, 'Arch'),
      unameMachine: str(i, 'Architecture'),
      ...(cpuinfo === undefined ? {} : { cpuinfo }),
    }),
    cgroupVersion,
    memoryLimitSupported: i.MemoryLimit === true && memoryEnabled !== false,
    swapLimitSupported: i.SwapLimit === true && memoryEnabled !== false,
    pidsLimitSupported: i.PidsLimit === true,
    cpuCfsQuotaSupported: i.CpuCfsQuota === true,
    dataRoot: str(i, 'DockerRootDir'),
  };
  const securityOptions = i['SecurityOptions'];
  if (Array.isArray(securityOptions)) result.securityOptions = securityOptions.filter((o): o is string => typeof o === 'string');
  c.log.debug('runtime info', { ...result });
  return result;
}

/** GET /version within `timeoutMs`: the engine's version; throws an EngineError when it does not answer. */
export async function runtimeVersion(c: DockerClient, timeoutMs: number): Promise<string> {
  const body = await c.call('GET /version', (signal) => versionBody(c, signal), timeoutMs);
  return isRecord(body) && typeof body.Version === 'string' ? body.Version : '';
}

/** GET /version through the modem: dockerode's version() sends an abort signal, but its typings take none. */
function versionBody(c: DockerClient, signal: AbortSignal): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    c.docker.modem.dial({ path: '/version', method: 'GET', abortSignal: signal, statusCodes: { 200: true, 500: 'server error' } }, (err, data) =>
      err ? reject(err) : resolve(data),
    );
  });
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
