/** Assembles the hub from its parts; main.ts supplies config, logger and clock. */
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:https';
import { resourceName, SERVED_KINDS } from '../shared/api/kinds.js';
import type { Clock } from '../shared/util/clock.js';
import type { Logger } from '../shared/util/logger.js';
import { ResourceService } from './apiserver/resource-service.js';
import { createApiServer } from './apiserver/server.js';
import { kubeconfigYaml, loadOrCreateAdminToken, writeFileAtomic } from './credentials.js';
import { formatHostPort, type ListenAddress } from './listen-address.js';
import { ObjectStore } from './store/object-store.js';
import { loadOrCreatePki } from './tls/hub-pki.js';

export interface HubConfig {
  dataDir: string;
  apiListen: ListenAddress;
  mqttListen: ListenAddress;
  compactionIntervalMs: number;
  watchHistory: number;
  maxBodyBytes: number;
  version: string;
  /** Extra names and addresses the serving certificate must cover (as k3s' --tls-san). */
  tlsSans: string[];
}

export interface RunningHub {
  apiUrl: string;
  kubeconfigPath: string;
  caPem: string;
  store: ObjectStore;
  close(): Promise<void>;
}

export async function startHub(cfg: HubConfig, deps: { clock: Clock; logger: Logger }): Promise<RunningHub> {
  const { clock, logger } = deps;
  const store = await ObjectStore.open({
    dir: join(cfg.dataDir, 'store'),
    resources: SERVED_KINDS.map(resourceName),
    clock,
    logger: logger.child({ component: 'store' }),
    compactionIntervalMs: cfg.compactionIntervalMs,
    watchHistory: cfg.watchHistory,
  });
  const service = new ResourceService(store, clock);
  await service.ensureSystemNamespaces();
  const adminToken = await loadOrCreateAdminToken(cfg.dataDir);
  const pki = await loadOrCreatePki(cfg.dataDir, certificateHosts(cfg), clock.now());

  const api = createApiServer({
    store,
    service,
    adminToken,
    clock,
    logger,
    version: cfg.version,
    maxBodyBytes: cfg.maxBodyBytes,
    watch: { defaultTimeoutSeconds: 1800, maxBufferedBytes: 16 * 1024 * 1024, bookmarkIntervalMs: 60_000 },
    tls: pki.serving,
  });
  const port = await listen(api, cfg.apiListen);
  const host = cfg.apiListen.host === '0.0.0.0' || cfg.apiListen.host === '::' ? '127.0.0.1' : cfg.apiListen.host;
  const apiUrl = `https://${formatHostPort(host, port)}`;
  const kubeconfigPath = join(cfg.dataDir, 'kubeconfig');
  await writeFileAtomic(kubeconfigPath, kubeconfigYaml(apiUrl, adminToken, pki.ca.certPem), 0o600);

  return {
    apiUrl,
    kubeconfigPath,
    caPem: pki.ca.certPem,
    store,
    async close() {
      await new Promise<void>((resolve) => {
        api.close(() => resolve());
        api.closeAllConnections();
      });
      await store.close();
    },
  };
}

/** Loopback, this machine's name, the listen address and any --tls-san. */
function certificateHosts(cfg: HubConfig): string[] {
  const hosts = new Set(['localhost', '127.0.0.1', '::1', hostname(), ...cfg.tlsSans]);
  const h = cfg.apiListen.host;
  if (h !== '0.0.0.0' && h !== '::') hosts.add(h);
  return [...hosts];
}

function listen(server: Server, addr: ListenAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
