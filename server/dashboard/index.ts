/** The dashboard's server side, wired by hub.ts: assets, heartbeat ring and stream, /ui/ routes. */
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import type { UiHandler } from '../apiserver/server.js';
import { loadAssets } from './assets.js';
import { HeartbeatRing } from './heartbeat-ring.js';
import { HeartbeatStream, type HeartbeatStreamLimits } from './heartbeat-stream.js';
import { dashboardRoutes } from './routes.js';

export const DEFAULT_HEARTBEAT_STREAM_LIMITS: HeartbeatStreamLimits = {
  intervalMs: 500,
  keepaliveMs: 5_000,
  maxBufferedBytes: 1024 * 1024,
  maxViewers: 100,
};

export interface Dashboard {
  handle: UiHandler;
  /** Feed from the lease tracker: a heartbeat (or any message) arrived from `node`. */
  heard: (node: string, atMs: number) => void;
  close(): void;
}

export async function startDashboard(deps: { uiDir: string; graceMs: number; clock: Clock; logger: Logger }): Promise<Dashboard> {
  const logger = deps.logger.child({ component: 'dashboard' });
  const assets = await loadAssets(deps.uiDir);
  if (assets.size === 0) logger.warn('dashboard not built, /ui/ answers 503', { uiDir: deps.uiDir });
  const ring = new HeartbeatRing();
  const stream = new HeartbeatStream({ ring, clock: deps.clock, logger, graceMs: deps.graceMs, limits: DEFAULT_HEARTBEAT_STREAM_LIMITS });
  return {
    handle: dashboardRoutes({ assets, ring, stream, now: () => deps.clock.now().getTime() }),
    heard: (node, atMs) => ring.record(node, atMs),
    close: () => stream.closeAll(),
  };
}
