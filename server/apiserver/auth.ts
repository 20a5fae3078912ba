/** Bearer-token authentication for the user API. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Paths anyone may read, as Kubernetes' system:public-info-viewer allows. */
const PUBLIC_PATHS = new Set(['/readyz', '/livez', '/healthz', '/version']);

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.has(pathname);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Compares in constant time (over fixed-length digests, so the token length leaks nothing). */
export function makeTokenCheck(adminToken: string): (req: IncomingMessage) => boolean {
  const want = digest(adminToken);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) return false;
    return timingSafeEqual(digest(m[1]), want);
  };
}
