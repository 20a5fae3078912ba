/**
 * Everything under /ui/ on the API port: the static bundle with strict security headers, and
 * small read-only endpoints the API lacks: who the token belongs to, the batched heartbeat
 * stream and one node's recent heartbeat arrivals. Both need a valid token (viewer or admin) like every API read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../shared/api/errors.js';
import type { UiHandler } from '../apiserver/server.js';
import type { Asset } from './assets.js';
import type { HeartbeatRing } from './heartbeat-ring.js';
import type { HeartbeatStream } from './heartbeat-stream.js';

/** No inline script or style, nothing from elsewhere, no framing, no referrer. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), payment=()',
  'Strict-Transport-Security': 'max-age=31536000',
};

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  const headers = { ...SECURITY_HEADERS, 'Content-Type': a.type, ETag: a.etag, 'Cache-Control': 'no-cache' };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': a.body.length });
  res.end(req.method === 'HEAD' ? undefined : a.body);
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function dashboardRoutes(deps: { assets: ReadonlyMap<string, Asset>; ring: HeartbeatRing; stream: HeartbeatStream; now: () => number }): UiHandler {
  return async (req, res, url, authenticate) => {
    const p = url.pathname;
    if (p !== '/ui' && !p.startsWith('/ui/')) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', `method ${method} is not supported on ${p}`);
    if (p === '/ui') {
      res.writeHead(301, { Location: '/ui/', ...SECURITY_HEADERS });
      res.end();
      return true;
    }
    if (p.startsWith('/ui/api/')) {
      const who = await authenticate();
      if (!who) throw new ApiError(401, 'Unauthorized', 'Unauthorized: a valid bearer token is required');
      if (p === '/ui/api/whoami') {
        sendJson(res, who);
        return true;
      }
      if (p === '/ui/api/heartbeats') {
        if (!deps.stream.attach(res)) throw new ApiError(429, 'TooManyRequests', 'too many dashboard viewers are connected; try again later');
        return true;
      }
      const node = p.slice('/ui/api/heartbeats/'.length);
      if (p.startsWith('/ui/api/heartbeats/') && NODE_NAME.test(node)) {
        sendJson(res, { node, now: deps.now(), arrivals: deps.ring.timeline(node) });
        return true;
      }
      throw new ApiError(404, 'NotFound', `the server could not find the requested resource: ${p}`);
    }
    const name = p === '/ui/' ? 'index.html' : p.slice('/ui/'.length);
    const asset = deps.assets.get(name);
    if (asset) {
      sendAsset(req, res, asset);
      return true;
    }
    if (deps.assets.size === 0) throw new ApiError(503, 'ServiceUnavailable', 'the dashboard is not built into this hub (run `npm run build`)');
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource: ${p}`);
  };
}
