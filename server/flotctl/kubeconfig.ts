/**
 * Kubeconfig files: which file, its clusters/users/contexts, and the
 * connection the chosen context describes. Errors name the file and the field.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import { CliError } from './errors.js';

export interface KubeconfigCluster {
  name: string;
  server: string;
  /** PEM text decoded from `certificate-authority-data`. */
  certificateAuthorityData?: string;
  /** `certificate-authority`: a file, absolute or relative to the kubeconfig's directory. */
  certificateAuthority?: string;
  insecureSkipTlsVerify: boolean;
}

export interface KubeconfigUser {
  name: string;
  token?: string;
  /** `tokenFile`: a file holding the token, relative to the kubeconfig's directory. */
  tokenFile?: string;
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

export interface Kubeconfig {
  /** The file(s) it was read from, for messages. */
  file: string;
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext?: string;
}

/** What a context resolves to: where the hub is and how to authenticate. */
export interface Connection {
  context: string;
  server: string;
  token?: string;
  /** PEM CA bundle to trust for https. */
  ca?: string;
  insecureSkipTlsVerify: boolean;
  /** The context's namespace, or `default`. */
  namespace: string;
}

function problem(file: string, field: string, message: string): CliError {
  return new CliError(`invalid kubeconfig ${file}: ${field}: ${message}`);
}

function optionalString(file: string, field: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw problem(file, field, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function requiredString(file: string, field: string, v: unknown): string {
  const s = optionalString(file, field, v);
  if (s === undefined || s === '') throw problem(file, field, 'is required');
  return s;
}

function namedEntries(file: string, doc: Record<string, unknown>, key: string, inner: string): { name: string; body: Record<string, unknown>; field: string }[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw problem(file, key, 'must be a list');
  return list.map((entry: unknown, i) => {
    const field = `${key}[${i}]`;
    if (!isRecord(entry)) throw problem(file, field, 'must be a map');
    const name = requiredString(file, `${field}.name`, entry.name);
    const body = entry[inner];
    if (!isRecord(body)) throw problem(file, `${field}.${inner}`, 'must be a map');
    return { name, body, field: `${field}.${inner}` };
  });
}

function parseServer(file: string, field: string, v: unknown): string {
  const server = requiredString(file, field, v);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw problem(file, field, `"${server}" is not a URL (expected http://HOST:PORT or https://HOST:PORT)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw problem(file, field, `"${server}" must use http or https`);
  }
  return server.replace(/\/+$/, '');
}

/** Parses one kubeconfig file's text; `file` is named in every error. */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e: unknown) {
    throw new CliError(`invalid kubeconfig ${file}: ${errorMessage(e).split('\n')[0] ?? ''}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) throw new CliError(`invalid kubeconfig ${file}: the file must hold a map (apiVersion: v1, kind: Config)`);
  if (doc.kind !== undefined && doc.kind !== 'Config') throw problem(file, 'kind', `must be Config, got ${JSON.stringify(doc.kind)}`);

  const clusters = namedEntries(file, doc, 'clusters', 'cluster').map(({ name, body, field }): KubeconfigCluster => {
    const cluster: KubeconfigCluster = {
      name,
      server: parseServer(file, `${field}.server`, body.server),
      insecureSkipTlsVerify: false,
    };
    const insecure = body['insecure-skip-tls-verify'];
    if (insecure !== undefined && insecure !== null) {
      if (typeof insecure !== 'boolean') throw problem(file, `${field}.insecure-skip-tls-verify`, 'must be true or false');
      cluster.insecureSkipTlsVerify = insecure;
    }
    const caData = optionalString(file, `${field}.certificate-authority-data`, body['certificate-authority-data']);
    if (caData) {
      const pem = Buffer.from(caData, 'base64').toString('utf8');
      if (!/^\s*-----BEGIN [A-Z ]+-----/.test(pem)) {
        throw problem(file, `${field}.certificate-authority-data`, 'must be a base64-encoded PEM certificate');
      }
      cluster.certificateAuthorityData = pem;
    }
    const caFile = optionalString(file, `${field}.certificate-authority`, body['certificate-authority']);
    if (caFile) cluster.certificateAuthority = caFile;
    return cluster;
  });

  const users = namedEntries(file, doc, 'users', 'user').map(({ name, body, field }): KubeconfigUser => {
    const user: KubeconfigUser = { name };
    const token = optionalString(file, `${field}.token`, body.token);
    if (token) user.token = token;
    const tokenFile = optionalString(file, `${field}.tokenFile`, body.tokenFile);
    if (tokenFile) user.tokenFile = tokenFile;
    return user;
  });

  const contexts = namedEntries(file, doc, 'contexts', 'context').map(({ name, body, field }): KubeconfigContext => {
    const ctx: KubeconfigContext = {
      name,
      cluster: requiredString(file, `${field}.cluster`, body.cluster),
      user: optionalString(file, `${field}.user`, body.user) ?? '',
    };
    const ns = optionalString(file, `${field}.namespace`, body.namespace);
    if (ns) ctx.namespace = ns;
    return ctx;
  });

  const config: Kubeconfig = { file, clusters, users, contexts };
  const current = optionalString(file, 'current-context', doc['current-context']);
  if (current) config.currentContext = current;
  return config;
}

/** Merges kubeconfigs as kubectl does with KUBECONFIG=a:b — the first file to name an entry wins. */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const merged: Kubeconfig = { file: configs.map((c) => c.file).join(':'), clusters: [], users: [], contexts: [] };
  for (const c of configs) {
    for (const x of c.clusters) if (!merged.clusters.some((y) => y.name === x.name)) merged.clusters.push(x);
    for (const x of c.users) if (!merged.users.some((y) => y.name === x.name)) merged.users.push(x);
    for (const x of c.contexts) if (!merged.contexts.some((y) => y.name === x.name)) merged.contexts.push(x);
    if (merged.currentContext === undefined && c.currentContext !== undefined) merged.currentContext = c.currentContext;
  }
  return merged;
}

/**
 * The kubeconfig file(s) to read: `--kubeconfig`, else $KUBECONFIG (a
 * path-list), else ~/.kube/config.
 */
export function kubeconfigPaths(flag: string | undefined, env: Record<string, string | undefined>, home: string): string[] {
  if (flag) return [flag];
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  if (fromEnv.length > 0) return fromEnv;
  return [path.join(home, '.kube', 'config')];
}

type ReadText = (file: string) => Promise<string>;

const readText: ReadText = (file) => readFile(file, 'utf8');

/**
 * Reads the kubeconfig file(s). An explicit `--kubeconfig` must exist; from
 * KUBECONFIG, missing files are skipped as kubectl does (but not all of them).
 */
export async function loadKubeconfig(paths: string[], explicit: boolean, read: ReadText = readText): Promise<Kubeconfig> {
  const configs: Kubeconfig[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = await read(file);
    } catch (e: unknown) {
      if (errnoCode(e) === 'ENOENT' && !explicit && paths.length > 1) continue;
      if (errnoCode(e) === 'ENOENT') {
        throw new CliError(`kubeconfig ${file} does not exist: pass --kubeconfig PATH or set KUBECONFIG to the file the hub wrote`);
      }
      throw new CliError(`cannot read kubeconfig ${file}: ${errorMessage(e)}`);
    }
    configs.push(parseKubeconfig(text, file));
  }
  if (configs.length === 0) throw new CliError(`none of the kubeconfig files in KUBECONFIG exist: ${paths.join(path.delimiter)}`);
  return configs.length === 1 && configs[0] ? configs[0] : mergeKubeconfigs(configs);
}

/** The connection for `contextName` (else current-context), reading CA and token files it names. */
export async function resolveConnection(config: Kubeconfig, contextName?: string, read: ReadText = readText): Promise<Connection> {
  const name = contextName ?? config.currentContext;
  if (!name) {
    throw new CliError(`kubeconfig ${config.file}: current-context is not set: set it or pass --context NAME`);
  }
  const ctx = config.contexts.find((c) => c.name === name);
  if (!ctx) throw new CliError(`kubeconfig ${config.file}: context "${name}" does not exist in contexts`);
  const cluster = config.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) {
    throw new CliError(`kubeconfig ${config.file}: context "${name}" names cluster "${ctx.cluster}", which does not exist in clusters`);
  }
  const user = ctx.user ? config.users.find((u) => u.name === ctx.user) : undefined;
  if (ctx.user && !user) {
    throw new CliError(`kubeconfig ${config.file}: context "${name}" names user "${ctx.user}", which does not exist in users`);
  }
  const baseDir = path.dirname(config.file.split(path.delimiter)[0] ?? '.');
  const conn: Connection = {
    context: name,
    server: cluster.server,
    insecureSkipTlsVerify: cluster.insecureSkipTlsVerify,
    namespace: ctx.namespace ?? 'default',
  };
  if (cluster.certificateAuthorityData) conn.ca = cluster.certificateAuthorityData;
  else if (cluster.certificateAuthority) {
    const caPath = path.resolve(baseDir, cluster.certificateAuthority);
    try {
      conn.ca = await read(caPath);
    } catch (e: unknown) {
      throw new CliError(`kubeconfig ${config.file}: cluster "${cluster.name}" certificate-authority ${caPath}: ${errorMessage(e)}`);
    }
  }
  if (user?.token) conn.token = user.token;
  else if (user?.tokenFile) {
    const tokenPath = path.resolve(baseDir, user.tokenFile);
    try {
      conn.token = (await read(tokenPath)).trim();
    } catch (e: unknown) {
      throw new CliError(`kubeconfig ${config.file}: user "${user.name}" tokenFile ${tokenPath}: ${errorMessage(e)}`);
    }
  }
  return conn;
}
