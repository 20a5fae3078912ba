/**
 * Pulls an image from a registry (Docker Registry HTTP API v2 / OCI distribution) into an
 * archive `docker load` reads: the OCI image layout (oci-layout, index.json, blobs/sha256/…)
 * plus Docker's manifest.json naming the tag, as `docker save` writes since Docker 25. Every blob
 * is checked against its digest; a manifest list picks the device's platform. Anonymous only
 * (Bearer tokens from the registry's challenge); loopback registries are spoken to over HTTP,
 * as Docker does, every other over HTTPS.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTar, type TarEntry } from './tar-writer.js';

export interface ImageRef {
  registry: string;
  repository: string;
  /** A tag, or a digest (sha256:…). */
  reference: string;
  /** As the user wrote it (the tag `docker load` gives the image). */
  text: string;
}

const DOCKER_HUB = 'registry-1.docker.io';
const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const MAX_MANIFEST = 4 * 1024 * 1024;

/** Parses `[registry/]name[:tag][@sha256:…]` as Docker does; undefined when it is not one. */
export function parseImageRef(text: string): ImageRef | undefined {
  let rest = text;
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(reference)) return undefined;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG_RE.test(reference)) return undefined;
    }
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const isRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = isRegistry ? first : DOCKER_HUB;
  let repository = isRegistry ? rest.slice(slash + 1) : rest;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (!NAME_RE.test(repository) || (isRegistry && !/^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(:\d{1,5})?$/.test(registry))) return undefined;
  return { registry, repository, reference, text };
}

/** The OCI platform a Debian architecture runs. */
export const PLATFORM_OF: Readonly<Record<string, { architecture: string; variant?: string }>> = {
  arm64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  amd64: { architecture: 'amd64' },
};

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string };
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isDescriptor(x: unknown): x is Descriptor {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Record<string, unknown>;
  return typeof d['digest'] === 'string' && DIGEST_RE.test(d['digest']) && typeof d['size'] === 'number' && Number.isSafeInteger(d['size']) && d['size'] >= 0;
}

function parseManifest(buf: Buffer, what: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new Error(`${what}: the manifest is not JSON`);
  }
  if (typeof m !== 'object' || m === null) throw new Error(`${what}: the manifest is not an object`);
  const o = m as Record<string, unknown>;
  const list = (k: string): Descriptor[] | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every(isDescriptor)) throw new Error(`${what}: manifest ${k} are not descriptors with a sha256 digest and a size`);
    return v;
  };
  const config = o['config'];
  if (config !== undefined && !isDescriptor(config)) throw new Error(`${what}: manifest config is not a descriptor`);
  const layers = list('layers');
  const manifests = list('manifests');
  return { ...(typeof o['mediaType'] === 'string' ? { mediaType: o['mediaType'] } : {}), ...(config ? { config } : {}), ...(layers ? { layers } : {}), ...(manifests ? { manifests } : {}) };
}

class Registry {
  private token: string | undefined;
  constructor(
    private readonly ref: ImageRef,
    private readonly base = `${isLoopback(ref.registry) ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`,
  ) {}

  async get(path: string, accept?: string): Promise<Response> {
    const headers = (): Record<string, string> => ({ ...(accept ? { accept } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) });
    let res = await fetch(`${this.base}/${path}`, { headers: headers(), redirect: 'follow' });
    if (res.status === 401 && this.token === undefined) {
      await this.authenticate(res.headers.get('www-authenticate') ?? '');
      res = await fetch(`${this.base}/${path}`, { headers: headers(), redirect: 'follow' });
    }
    if (!res.ok) throw new Error(`${this.ref.text}: ${path.split('/')[0]} ${path.split('/')[1] ?? ''}: the registry answered ${res.status} ${res.statusText}`);
    return res;
  }

  /** Anonymous Bearer token from the challenge (public images on Docker Hub and the like). */
  private async authenticate(challenge: string): Promise<void> {
    const m = /^Bearer\s+(.*)$/i.exec(challenge);
    if (!m?.[1]) throw new Error(`${this.ref.text}: the registry wants credentials (${challenge || 'no challenge'}); pull it with docker and give --preload-image a docker save archive`);
    const params: Record<string, string> = {};
    for (const x of m[1].matchAll(/(\w+)="([^"]*)"/g)) if (x[1] !== undefined && x[2] !== undefined) params[x[1]] = x[2];
    if (!params['realm']) throw new Error(`${this.ref.text}: the registry's Bearer challenge has no realm`);
    const url = new URL(params['realm']);
    for (const k of ['service', 'scope']) {
      const v = params[k];
      if (v) url.searchParams.set(k, v);
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${this.ref.text}: anonymous token refused (${res.status}); pull it with docker and give --preload-image a docker save archive`);
    const body = (await res.json()) as { token?: unknown; access_token?: unknown };
    const t = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof t !== 'string') throw new Error(`${this.ref.text}: the token service answered without a token`);
    this.token = t;
  }

  async manifest(reference: string): Promise<{ buf: Buffer; digest: string; manifest: Manifest }> {
    const res = await this.get(`manifests/${reference}`, ACCEPT);
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > MAX_MANIFEST) throw new Error(`${this.ref.text}: manifest of ${buf.length} bytes is over ${MAX_MANIFEST}`);
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    if (DIGEST_RE.test(reference) && digest !== reference) throw new Error(`${this.ref.text}: manifest digest ${digest} is not the one asked for`);
    return { buf, digest, manifest: parseManifest(buf, this.ref.text) };
  }

  /** Streams a blob to `path`, checking size and digest. */
  async blob(d: Descriptor, path: string): Promise<void> {
    const res = await this.get(`blobs/${d.digest}`);
    if (!res.body) throw new Error(`${this.ref.text}: blob ${d.digest} has no body`);
    const hash = createHash('sha256');
    const out = createWriteStream(path);
    let n = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        n += chunk.length;
        if (n > d.size) throw new Error(`${this.ref.text}: blob ${d.digest} is larger than the ${d.size} bytes its manifest says`);
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== d.digest) throw new Error(`${this.ref.text}: blob ${d.digest} arrived with digest ${got}: refused`);
  }
}

/**
 * Pulls `ref` for the device architecture `arch` into `dir`/`<name>.tar` and returns its path.
 * `dir` must be empty or new; the blobs are staged under it.
 */
export async function pullToArchive(ref: ImageRef, arch: string, dir: string): Promise<string> {
  const reg = new Registry(ref);
  const blobs = join(dir, 'blobs');
  await mkdir(blobs, { recursive: true });
  let top = await reg.manifest(ref.reference);
  if (top.manifest.manifests) {
    const want = PLATFORM_OF[arch] ?? { architecture: arch };
    const pick = top.manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === want.architecture && (want.variant === undefined || m.platform.variant === undefined || m.platform.variant === want.variant));
    if (!pick) throw new Error(`${ref.text}: no linux/${want.architecture}${want.variant ? `/${want.variant}` : ''} image in its manifest list`);
    top = await reg.manifest(pick.digest);
  }
  const { config, layers } = top.manifest;
  if (!config || !layers) throw new Error(`${ref.text}: the manifest has no config or layers`);
  const entries: TarEntry[] = [];
  for (const d of [config, ...layers]) {
    const local = join(blobs, d.digest.slice('sha256:'.length));
    await reg.blob(d, local);
    entries.push({ name: `blobs/sha256/${d.digest.slice('sha256:'.length)}`, file: local, size: (await stat(local)).size });
  }
  const manifestHex = top.digest.slice('sha256:'.length);
  const mediaType = top.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType, digest: top.digest, size: top.buf.length, annotations: { 'io.containerd.image.name': ref.text, 'org.opencontainers.image.ref.name': ref.reference } }] };
  const dockerManifest = [{ Config: `blobs/sha256/${config.digest.slice('sha256:'.length)}`, RepoTags: DIGEST_RE.test(ref.reference) ? [] : [ref.text], Layers: layers.map((l) => `blobs/sha256/${l.digest.slice('sha256:'.length)}`) }];
  entries.push(
    { name: `blobs/sha256/${manifestHex}`, data: top.buf },
    { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(dockerManifest)) },
  );
  const name = `${ref.text.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`;
  const out = join(dir, name);
  await writeTar(`${out}.partial`, ['blobs/', 'blobs/sha256/'], entries);
  await rename(`${out}.partial`, out);
  await rm(blobs, { recursive: true, force: true });
  return out;
}
