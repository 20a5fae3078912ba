/**
 * imagePullSecrets → the RegistryAuth for an image's registry: the registry host of an image
 * reference (Docker's normalisation: no host part means Docker Hub), and the credentials a
 * `kubernetes.io/dockerconfigjson` (or legacy `kubernetes.io/dockercfg`) Secret holds for it.
 * Pure; credentials are never logged.
 */
import type { RegistryAuth } from '../engine/types.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import type { ConfigObjects } from './config-objects.js';

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

/** The registry host of an image reference: `127.0.0.1:5000`, `ghcr.io`, or `docker.io`. */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (first === 'localhost' || first.includes('.') || first.includes(':')) return DOCKER_HUB_ALIASES.includes(first) ? DOCKER_HUB : first;
  return DOCKER_HUB;
}

/** A dockerconfig key (`https://host:port/v1/`, `host`) reduced to its host. */
function keyHost(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  k = k.toLowerCase();
  return DOCKER_HUB_ALIASES.includes(k) ? DOCKER_HUB : k;
}

function entryAuth(entry: JsonObject, host: string): RegistryAuth {
  const out: RegistryAuth = { serveraddress: host === DOCKER_HUB ? DOCKER_HUB_SERVER : host };
  let username = typeof entry['username'] === 'string' ? entry['username'] : undefined;
  let password = typeof entry['password'] === 'string' ? entry['password'] : undefined;
  const auth = typeof entry['auth'] === 'string' ? entry['auth'] : undefined;
  if (auth !== undefined && (username === undefined || password === undefined)) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username ??= decoded.slice(0, colon);
      password ??= decoded.slice(colon + 1);
    }
  }
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (auth !== undefined) out.auth = auth;
  return out;
}

function authsOf(type: string | undefined, data: ReadonlyMap<string, Buffer>): JsonObject | undefined {
  const raw = type === 'kubernetes.io/dockercfg' ? data.get('.dockercfg') : data.get('.dockerconfigjson');
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  if (type === 'kubernetes.io/dockercfg') return parsed;
  return isRecord(parsed['auths']) ? parsed['auths'] : undefined;
}

export type PullAuthResult = { auth?: RegistryAuth; problems: string[] };

/**
 * The credentials for `image` from the pod's imagePullSecrets, in order (the first Secret with
 * an entry for the registry wins). Missing or unusable Secrets are problems, not errors: the
 * pull is tried without them, as the kubelet does.
 */
export function pullAuth(image: string, namespace: string, secretNames: readonly string[], objects: ConfigObjects): PullAuthResult {
  const host = registryHost(image);
  const problems: string[] = [];
  for (const name of secretNames) {
    const s = objects.secret(namespace, name);
    if (!s) {
      problems.push(`imagePullSecrets: secret "${name}" not found`);
      continue;
    }
    const auths = authsOf(s.type, s.data);
    if (!auths) {
      problems.push(`imagePullSecrets: secret "${name}" is not a kubernetes.io/dockerconfigjson Secret with valid .dockerconfigjson`);
      continue;
    }
    for (const [key, entry] of Object.entries(auths)) {
      if (isRecord(entry) && keyHost(key) === host) return { auth: entryAuth(entry, host), problems };
    }
  }
  return { problems };
}
