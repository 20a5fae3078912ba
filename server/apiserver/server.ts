/** The hub's HTTP API: routing, authentication, content negotiation and Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer, type Server } from 'node:https';
import { FLEET_NAMESPACE } from '../../shared/api/fleet-secrets.js';
import { ApiError, isApiError } from '../../shared/api/errors.js';
import type { KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { FieldValidator, IGNORE_FIELDS, parseFieldValidation } from '../../shared/api/schema/index.js';
import type { Table } from '../../shared/api/table.js';
import { toTable, type IncludeObject } from './table/printers.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { authorize, authorizeStream, makeAuthenticator, type Principal } from './auth.js';
import { decodeBody, mediaType, patchTypeOf, readBody } from './body.js';
import { apiGroup, coreVersions, groupList, resourceList, versionInfo } from './discovery.js';
import { parseListOptions } from './list-options.js';
import { openApiGroupVersion, openApiIndex } from './openapi.js';
import { POD_LOG_MAX_BUFFERED_BYTES, servePodLog, type PodLogSource } from './pod-log.js';
import { isStreamSubresource, parseResourcePath, type ResourcePath } from './request-path.js';
import type { PodStreamSource } from './pod-stream-types.js';
import { servePodStreamUpgrade } from './pod-stream.js';
import type { ResourceService} from './resource-service.js';
import { type DeleteOptions } from './resource-service.js';
import { emptyServiceList, isClusterInfoServiceList } from './cluster-info.js';
import { requestManager } from './field-managers.js';
import type { LeaseView } from './leases.js';
import type { MetricsApi } from './metrics-api.js';
import { ACCESS_REVIEW_PATH, answerReview, SUBJECT_REVIEW_PATH } from './reviews.js';
import { prefersProtobuf, sendJsonList, sendObject } from './respond.js';
import { serveWatch, type WatchLimits } from './watch-stream.js';
import { parseDeleteOptions } from './delete-options.js';
import { Evictions } from './eviction.js';
import { WatchBudget } from './watch-budget.js';
import type { AuditSink } from '../audit/audit-log.js';

const AUDITED_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export interface ApiServerDeps {
  store: ObjectStore;
  service: ResourceService;
  adminToken: string;
  clock: Clock;
  logger: Logger;
  version: string;
  maxBodyBytes: number;
  watch: WatchLimits;
  tls: { keyPem: string; certPem: string };
  /** Carries `pods/NAME/log` requests to the devices; undefined: they get 503. */
  podLogs?: PodLogSource;
  /** Carries pods/exec, attach and portforward streams to the devices; undefined: they get 503. */
  podStreams?: PodStreamSource;
  /** Hears every write and every refused authentication (the audit log). */
  audit?: AuditSink;
  /** Serves the dashboard under /ui/ (server/dashboard); true when it answered the request. */
  ui?: UiHandler;
  /** Serves coordination.k8s.io Leases from the heartbeat table; undefined: not served. */
  leases?: LeaseView;
  /** Serves metrics.k8s.io (kubectl top) from the devices' usage reports; undefined: not served. */
  metrics?: MetricsApi;
}

/** `authenticate` resolves the request's bearer token (undefined: none or not valid). */
export type UiHandler = (req: IncomingMessage, res: ServerResponse, url: URL, authenticate: () => Promise<Principal | undefined>) => Promise<boolean>;

/** `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` asks for server-side printing. */
function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const p = part.replace(/\s/g, '');
    return p.includes('as=Table') && p.includes('g=meta.k8s.io');
  });
}

function includeObject(params: URLSearchParams): IncludeObject {
  const v = params.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function sendJson(res: ServerResponse, code: number, body: unknown, fields: FieldValidator = IGNORE_FIELDS): void {
  sendObject(undefined, res, code, body, fields);
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function createApiServer(deps: ApiServerDeps): Server {
  const authenticate = makeAuthenticator(deps.adminToken, (name) => deps.store.get('secrets', FLEET_NAMESPACE, name));
  const log = deps.logger.child({ component: 'apiserver' });
  const evictions = new Evictions({ service: deps.service, store: deps.store, clock: deps.clock });
  const watchBudget = new WatchBudget(deps.watch, deps.logger);

  const render = (req: IncomingMessage, params: URLSearchParams, info: KindInfo, objs: KubeObject[], metadata: Table['metadata']): Table => {
    const table = toTable(info, objs, { now: deps.clock.now(), includeObject: includeObject(params) });
    table.metadata = metadata;
    return table;
  };

  async function handleResource(req: IncomingMessage, res: ServerResponse, url: URL, path: ResourcePath, who: Principal): Promise<void> {
    const params = url.searchParams;
    const method = req.method ?? 'GET';
    authorize(who, method, path);
    const dryRun = params.getAll('dryRun').includes('All');
    const table = wantsTable(req);
    const { service } = deps;
    const { info } = path;
    const body = async (): Promise<unknown> => decodeBody(await readBody(req, deps.maxBodyBytes), mediaType(req));
    const writes = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const fields = writes ? new FieldValidator(parseFieldValidation(params.get('fieldValidation'))) : IGNORE_FIELDS;

    if (isStreamSubresource(path.subresource)) {
      authorizeStream(who, path);
      throw ApiError.badRequest(`pods/${path.subresource} is reached by an upgrade to a WebSocket (as kubectl does), not a plain ${method}`);
    }
    if (path.subresource === 'log') {
      const logDeps = { service, logger: deps.logger, maxBufferedBytes: POD_LOG_MAX_BUFFERED_BYTES, ...(deps.podLogs ? { logs: deps.podLogs } : {}) };
      await servePodLog(req, res, path, params, logDeps);
      return;
    }

    if (path.subresource === 'eviction') {
      if (method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', 'only POST is served on pods/eviction');
      sendObject(req, res, 201, await evictions.evict(path.namespace ?? '', path.name ?? '', await body(), dryRun));
      return;
    }

    if (method === 'GET' && path.name === undefined) {
      const opts = parseListOptions(params, info, path.namespace);
      if (params.get('watch') === 'true' || params.get('watch') === '1') {
        const toWire = table
          ? (o: KubeObject): unknown => render(req, params, info, [o], { resourceVersion: o.metadata.resourceVersion ?? '' })
          : (o: KubeObject): unknown => o;
        await serveWatch(res, { ...deps, budget: watchBudget }, path, opts, deps.watch, toWire);
        return;
      }
      if (table) {
        // Rows are read from the stored objects (nothing is changed, nothing kept).
        const list = await service.listStored(path, opts);
        sendObject(req, res, 200, render(req, params, info, list.items, list.metadata));
      } else if (prefersProtobuf(req)) sendObject(req, res, 200, await service.list(path, opts));
      else sendJsonList(res, await service.listJson(path, opts));
      return;
    }
    switch (method) {
      case 'GET': {
        const obj = await service.get(path);
        sendObject(req, res, 200, table ? render(req, params, info, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }) : obj);
        return;
      }
      case 'POST':
        sendObject(req, res, 201, await service.create(path, await body(), dryRun, fields, requestManager(req, params)), fields);
        return;
      case 'PUT':
        sendObject(req, res, 200, await service.update(path, await body(), dryRun, fields, requestManager(req, params)), fields);
        return;
      case 'PATCH': {
        const type = patchTypeOf(req);
        const raw = await readBody(req, deps.maxBodyBytes);
        const patch = decodeBody(raw, type === 'apply' ? 'yaml' : 'json');
        const force = params.get('force') === 'true';
        // Apply needs an explicit fieldManager; other patches default it from the User-Agent.
        const fieldManager = type === 'apply' ? (params.get('fieldManager') ?? undefined) : requestManager(req, params);
        const opts = { force, ...(fieldManager ? { fieldManager } : {}) };
        sendObject(req, res, 200, await service.patch(path, type, patch, opts, dryRun, fields), fields);
        return;
      }
      case 'DELETE': {
        const raw = await readBody(req, deps.maxBodyBytes);
        const decoded = raw.length > 0 ? decodeBody(raw, mediaType(req)) : undefined;
        const opts: DeleteOptions = parseDeleteOptions(params, decoded);
        if (path.name === undefined) {
          sendObject(req, res, 200, await service.deleteCollection(path, parseListOptions(params, info, path.namespace), dryRun));
        } else {
          sendObject(req, res, 200, await service.delete(path, opts, dryRun));
        }
        return;
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', `method ${method} is not supported`);
    }
  }

  function handleDiscovery(res: ServerResponse, pathname: string): boolean {
    const p = pathname.replace(/\/+$/, '') || '/';
    let doc: unknown;
    if (p === '/api') doc = coreVersions();
    else if (p === '/apis') doc = groupList();
    else if (p === '/api/v1') doc = resourceList('v1');
    else if (/^\/apis\/[^/]+$/.test(p)) doc = apiGroup(p.split('/')[2] ?? '');
    else if (/^\/apis\/[^/]+\/[^/]+$/.test(p)) doc = resourceList(p.slice('/apis/'.length));
    else if (p === '/openapi/v3') doc = openApiIndex();
    else if (p.startsWith('/openapi/v3/')) doc = openApiGroupVersion(p.slice('/openapi/v3/'.length));
    else return false;
    if (doc === undefined) throw new ApiError(404, 'NotFound', `the server could not find the requested resource: ${p} is not served`);
    sendJson(res, 200, doc);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    const pathname = url.pathname;
    // API answers carry credentials-dependent data: never cached, never content-sniffed.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (pathname === '/readyz' || pathname === '/livez' || pathname === '/healthz') return sendText(res, 200, 'ok');
    if (pathname === '/version') return sendJson(res, 200, versionInfo(deps.version));
    if (deps.ui && (await deps.ui(req, res, url, () => authenticate(req)))) return;
    const who = await authenticate(req);
    if (!who) throw new ApiError(401, 'Unauthorized', 'Unauthorized: a valid bearer token is required');
    if (handleDiscovery(res, pathname)) return;
    if (deps.leases && (await deps.leases.serve(req, res, url))) return;
    if (deps.metrics && (await deps.metrics.serve(req, res, url))) return;
    if (pathname === ACCESS_REVIEW_PATH || pathname === SUBJECT_REVIEW_PATH) {
      if (req.method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', `only POST is served on ${pathname}`);
      const review = answerReview(pathname, decodeBody(await readBody(req, deps.maxBodyBytes), mediaType(req)), who);
      return sendObject(req, res, 201, review);
    }
    if (isClusterInfoServiceList(req, pathname, url.searchParams)) return sendObject(req, res, 200, emptyServiceList());
    const path = parseResourcePath(pathname);
    if (!path) throw new ApiError(404, 'NotFound', `the server could not find the requested resource: ${pathname}`);
    await handleResource(req, res, url, path, who);
  }

  const server = createServer({ key: deps.tls.keyPem, cert: deps.tls.certPem }, (req, res) => {
    const started = Date.now();
    handle(req, res)
      .catch((e: unknown) => {
        const err = isApiError(e) ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${errorMessage(e)}`);
        if (err.code >= 500) log.error('request failed', { method: req.method, url: req.url, error: errorMessage(e) });
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // Drain what the client is still sending so it reads our answer instead of a reset.
        req.resume();
        if (err.details?.retryAfterSeconds) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
        sendObject(req, res, err.code, err.toStatus());
      })
      .finally(() => {
        log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Date.now() - started });
        const verb = AUDITED_VERBS[req.method ?? ''];
        if (deps.audit && (verb !== undefined || res.statusCode === 401)) {
          const user = res.statusCode === 401 ? 'anonymous' : 'admin';
          deps.audit({ user, verb: verb ?? (req.method ?? 'GET').toLowerCase(), resource: new URL(req.url ?? '/', 'http://hub').pathname, result: res.statusCode, ...(req.socket.remoteAddress ? { remote: req.socket.remoteAddress } : {}) });
        }
      });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    servePodStreamUpgrade(req, socket, head, {
      service: deps.service,
      authenticate,
      logger: deps.logger,
      ...(deps.podStreams ? { streams: deps.podStreams } : {}),
      ...(deps.audit ? { audit: deps.audit } : {}),
    });
  });
  return server;
}
