/**
 * Is the container runtime there? A `RuntimeProbe` answers for the Ready condition. The Docker
 * one asks the engine's API for GET /version on its unix socket with node:http (dockerode
 * belongs to agent/engine/); any failure, timeout or non-200 answer means unreachable.
 */
import { request } from 'node:http';
import type { RuntimeState } from '../conditions/index.js';
import { errorMessage, isRecord } from '../../shared/util/guards.js';

export interface RuntimeProbe {
  probe(): Promise<RuntimeState>;
}

const MAX_BODY_BYTES = 64 * 1024;

export function dockerSocketProbe(socketPath: string, timeoutMs = 3000): RuntimeProbe {
  return {
    probe: () =>
      new Promise<RuntimeState>((resolve) => {
        const req = request({ socketPath, path: '/version', method: 'GET', timeout: timeoutMs, agent: false, headers: { Connection: 'close' } }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_BODY_BYTES) chunks.push(c);
          });
          res.on('error', (e) => resolve({ reachable: false, error: `GET /version on ${socketPath}: ${errorMessage(e)}` }));
          res.on('end', () => {
            if (res.statusCode !== 200) {
              resolve({ reachable: false, error: `GET /version on ${socketPath} answered HTTP ${res.statusCode ?? 0}` });
              return;
            }
            try {
              const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              const version = isRecord(body) && typeof body.Version === 'string' ? body.Version : undefined;
              resolve(version !== undefined ? { reachable: true, version } : { reachable: true });
            } catch {
              resolve({ reachable: true });
            }
          });
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', (e) => resolve({ reachable: false, error: `GET /version on ${socketPath}: ${errorMessage(e)}` }));
        req.end();
      }),
  };
}
