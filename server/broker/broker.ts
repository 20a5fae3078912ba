/**
 * The hub's embedded MQTT 3.1.1 broker (aedes) with explicit limits, authentication and a
 * per-principal topic policy. A misbehaving client is disconnected and logged; the broker is a
 * delivery mechanism, never state.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import { AuthAdmission } from './auth-admission.js';
import { channelBinding, closeRefused, ConnectRateLimiter, DEFAULT_CONNECT_RATE, type ConnectRateLimit } from './connect-guard.js';
import { PacketGuard } from './packet-guard.js';
import { describePrincipal, type ConnectAuthenticator, type Principal, type TopicPolicy } from './principal.js';
import type { MqttSessionStore } from './session-persistence.js';

export interface BrokerLimits {
  maxPacketBytes: number;
  keepaliveMinSeconds: number;
  keepaliveMaxSeconds: number;
  maxClientIdLength: number;
  /** Messages queued per client before it has finished connecting. */
  queueLimit: number;
  /** A client that does not drain its socket for this long is cut off. */
  drainTimeoutMs: number;
  connectTimeoutMs: number;
  /**
   * Authentications in flight at most; later CONNECTs wait for a slot (auth-admission.ts). An
   * open storm makes every attempt slow enough to time out and be retried while the hub still
   * works on it.
   */
  maxAuthInFlight: number;
  /** CONNECTs waiting for a slot at most; past it one is refused at once with CONNACK 3 (server unavailable), which agents back off from. */
  maxAuthQueued: number;
  /** How long a CONNECT waits for a slot before it is refused as busy (below the agents' 30 s connect timeout). */
  maxAuthWaitMs: number;
  /** Open connections at most (below the process's file-descriptor limit); beyond it a new socket is closed at once. */
  maxConnections?: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBytes: 1024 * 1024,
  keepaliveMinSeconds: 5,
  keepaliveMaxSeconds: 600,
  maxClientIdLength: 128,
  queueLimit: 64,
  drainTimeoutMs: 30_000,
  connectTimeoutMs: 15_000,
  maxAuthInFlight: 100,
  maxAuthQueued: 5000,
  maxAuthWaitMs: 10_000,
};

export interface BrokerDeps {
  plain?: { host: string; port: number };
  /** An MQTT-over-TLS listener as well, with the hub's serving certificate (and its CA, sent in the chain so a device can pin it). */
  tls?: { host: string; port: number; keyPem: string; certPem: string; caPem?: string };
  /** Plain TCP listener; undefined: TLS only. */
  limits: BrokerLimits;
  auth: ConnectAuthenticator;
  policy: TopicPolicy;
  logger: Logger;
  /** Where sessions, queued messages, wills and retained messages live; default: aedes' in-memory one. */
  persistence?: MqttSessionStore;
  /** Called for every message a client published (after the policy allowed it). */
  onMessage: (p: Principal, topic: string, payload: Buffer) => void;
  onConnected?: (p: Principal) => void;
  /** Every refused CONNECT (for the audit log). */
  onRefused?: (r: { clientId: string; username: string | undefined; remote: string | undefined; reason: string }) => void;
  connectRate?: ConnectRateLimit;
  now?: () => number;
  onDisconnected?: (p: Principal) => void;
  /** Who a topic's messages are for (a node, an enrolling client): the hub's publishes to one are ordered. Default: one order for all. */
  recipientOf?: (topic: string) => string | undefined;
}

export interface RunningBroker {
  port?: number;
  tlsPort?: number;
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
  /** Cuts off the connections of device `node` that `match` picks, at once (revocation). */
  disconnect(node: string, match: (p: Principal) => boolean): number;
  close(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    message: string,
    readonly returnCode: 2 | 4 | 5,
  ) {
    super(message);
  }
}

export async function startBroker(deps: BrokerDeps): Promise<RunningBroker> {
  const { limits, logger } = deps;
  const log = logger.child({ component: 'broker' });
  const principals = new WeakMap<Client, Principal>();
  const remotes = new WeakMap<object, string>();
  const sockets = new WeakMap<object, Socket>();
  const bindings = new WeakMap<object, Buffer>();
  const wills = new WeakMap<Client, { topic: string; retain: boolean }>();
  const rate = new ConnectRateLimiter(deps.connectRate ?? DEFAULT_CONNECT_RATE, deps.now ?? Date.now);
  const refused = (client: Client, username: string | undefined, reason: string): void => {
    const remote = remotes.get(client.conn);
    log.warn('connect refused', { clientId: client.id, remote, reason });
    deps.onRefused?.({ clientId: client.id, username, remote, reason });
    const socket = sockets.get(client.conn);
    // aedes writes the CONNACK first; then nothing more is read from a refused client.
    if (socket) setImmediate(() => closeRefused(socket));
  };
  type AuthDone = (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void;
  const authenticate = (client: Client, username: string | undefined, password: Buffer | undefined, remote: string | undefined, binding: Buffer | undefined, done: AuthDone): Promise<void> =>
    deps.auth
      .authenticate({ clientId: client.id, username, password, remoteAddress: remote, ...(binding ? { channelBinding: binding } : {}) })
      .then((d) => {
        if (!d.ok) throw new Refusal(d.reason, 5);
        // The last will is published in the client's name later: it passes the same ACL now.
        const will = wills.get(client);
        if (will && !deps.policy.mayPublish(d.principal, will.topic, will.retain)) throw new Refusal(`last will on ${will.topic} is not allowed`, 5);
        principals.set(client, d.principal);
        log.info('client authenticated', { clientId: client.id, ...describePrincipal(d.principal), remote });
        done(null, true);
      })
      .catch((e: unknown) => {
        const code = e instanceof Refusal ? e.returnCode : 3;
        refused(client, username, errorMessage(e));
        done(Object.assign(new Error(errorMessage(e)), { returnCode: code }), null);
      });
  const clients = new Set<Client>();
  /** The connected clients of each device: revocation looks there, not through every client. */
  const byNode = new Map<string, Set<Client>>();
  const admission = new AuthAdmission({ maxInFlight: limits.maxAuthInFlight, maxQueued: limits.maxAuthQueued, maxWaitMs: limits.maxAuthWaitMs }, deps.now ?? Date.now);
  const sweep = setInterval(() => admission.sweep(), 500);
  sweep.unref();
  /** Refused as busy since the last summary (one log line per interval, not one per refusal). */
  let refusedBusy = 0;
  const busySummary = setInterval(() => {
    if (refusedBusy === 0) return;
    log.warn('connects refused: server busy', { refused: refusedBusy, waiting: admission.waiting, maxAuthInFlight: limits.maxAuthInFlight, maxAuthQueued: limits.maxAuthQueued });
    refusedBusy = 0;
  }, 10_000);
  busySummary.unref();

  const opts: AedesOptions = {
    concurrency: 100,
    queueLimit: limits.queueLimit,
    maxClientsIdLength: limits.maxClientIdLength,
    keepaliveLimit: limits.keepaliveMaxSeconds,
    drainTimeout: limits.drainTimeoutMs,
    connectTimeout: limits.connectTimeoutMs,
    heartbeatInterval: 60_000,
    preConnect: (client, packet, done) => {
      // keepalive 0 disables liveness checks; too short floods the hub with PINGs.
      const ka = packet.keepalive ?? 0;
      if (ka < limits.keepaliveMinSeconds || ka > limits.keepaliveMaxSeconds) {
        refused(client, packet.username, `keepalive ${ka} out of bounds`);
        done(null, false);
        return;
      }
      if (!rate.allow(packet.clientId)) {
        refused(client, packet.username, 'too many connects from this identity; slow down');
        done(null, false);
        return;
      }
      if (packet.will) wills.set(client, { topic: packet.will.topic, retain: packet.will.retain === true });
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const remote = remotes.get(client.conn);
      const binding = bindings.get(client.conn);
      const socket = sockets.get(client.conn);
      admission.admit({
        gone: () => socket?.destroyed === true,
        refuse: () => {
          refusedBusy += 1;
          done(Object.assign(new Error('server busy'), { returnCode: 3 }), null);
          if (socket) setImmediate(() => closeRefused(socket));
        },
        run: () => authenticate(client, username, password, remote, binding, done),
      });
    },
    authorizePublish: (client, packet, done) => {
      if (!client) {
        // A will of a client of a previous broker run (aedes recovers them after a restart, with
        // no client): its ACL can no longer be checked, so it is dropped. Liveness comes from leases.
        if ('clientId' in packet) {
          log.warn('orphaned will dropped', { topic: packet.topic });
          return done(new Error('orphaned will'));
        }
        return done(null); // the hub's own publishes
      }
      const p = principals.get(client);
      if (p && deps.policy.mayPublish(p, packet.topic, packet.retain)) return done(null);
      log.warn('publish refused', { clientId: client.id, topic: packet.topic, retain: packet.retain, ...(p ? describePrincipal(p) : {}) });
      done(new Error(`not allowed to publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, sub, done) => {
      const p = principals.get(client);
      if (p && deps.policy.maySubscribe(p, sub.topic)) return done(null, sub);
      log.warn('subscribe refused', { clientId: client.id, topic: sub.topic, ...(p ? describePrincipal(p) : {}) });
      done(null, null);
    },
  };
  if (deps.persistence !== undefined) opts.persistence = deps.persistence;
  const aedes = await Aedes.createBroker(opts);

  aedes.on('client', (client) => {
    clients.add(client);
    const p = principals.get(client);
    if (p?.kind === 'node') byNode.set(p.node, (byNode.get(p.node) ?? new Set()).add(client));
    if (p) deps.onConnected?.(p);
  });
  aedes.on('clientDisconnect', (client) => {
    clients.delete(client);
    const p = principals.get(client);
    if (p?.kind === 'node') {
      const set = byNode.get(p.node);
      set?.delete(client);
      if (set?.size === 0) byNode.delete(p.node);
    }
    if (p) deps.onDisconnected?.(p);
  });
  aedes.on('clientError', (client, err) => {
    log.warn('client error', { clientId: client.id, error: err.message });
  });
  aedes.on('connectionError', (client, err) => {
    log.warn('connection error', { clientId: client.id, error: err.message });
  });
  aedes.on('keepaliveTimeout', (client) => log.info('client keepalive timeout', { clientId: client.id }));
  aedes.on('publish', (packet, client) => {
    if (!client) return;
    const p = principals.get(client);
    if (!p) return;
    try {
      deps.onMessage(p, packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
    } catch (e: unknown) {
      log.error('message handler failed', { clientId: client.id, topic: packet.topic, error: errorMessage(e) });
    }
  });

  const server = deps.plain ? createServer((socket) => handleSocket(socket)) : undefined;
  const tlsServer = deps.tls
    ? createTlsServer({ key: deps.tls.keyPem, cert: deps.tls.certPem + (deps.tls.caPem ?? ''), minVersion: 'TLSv1.2' }, (socket) => handleSocket(socket))
    : undefined;
  for (const srv of [server, tlsServer]) if (srv && limits.maxConnections !== undefined) srv.maxConnections = limits.maxConnections;
  tlsServer?.on('tlsClientError', (e, socket) => log.warn('TLS handshake failed', { remote: socket.remoteAddress, error: e.message }));
  function handleSocket(socket: Socket): void {
    const guard = new PacketGuard(limits.maxPacketBytes);
    const remote = socket.remoteAddress;
    socket.pipe(guard);
    guard.on('error', (e) => {
      log.warn('client cut off', { remote, reason: e.message });
      socket.destroy();
    });
    socket.on('error', (e) => log.debug('socket error', { remote, error: e.message }));
    const conn = Duplex.from({ readable: guard, writable: socket });
    if (remote) remotes.set(conn, remote);
    sockets.set(conn, socket);
    const binding = channelBinding(socket);
    if (binding) bindings.set(conn, binding);
    conn.on('close', () => socket.destroy());
    aedes.handle(conn);
  }
  const port = server && deps.plain ? await listen(server, deps.plain.host, deps.plain.port) : undefined;
  const tlsPort = tlsServer && deps.tls ? await listen(tlsServer, deps.tls.host, deps.tls.port) : undefined;
  log.info('broker listening', { ...(port !== undefined ? { port } : {}), ...(tlsPort !== undefined ? { tlsPort } : {}) });

  // aedes can drop messages to live subscribers when the hub's own publishes overlap
  // (retained and not), so publishes to one recipient go out strictly one after another. Only
  // per recipient: aedes completes a publish once every subscriber's socket has drained, so one
  // global line let a single device on a slow link hold up the hub's messages to every other.
  const publishing = new Map<string, Promise<unknown>>();
  const publishOne = (topic: string, payload: Buffer, o: { qos: 0 | 1; retain: boolean }): Promise<void> =>
    new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos: o.qos, retain: o.retain, dup: false }, (err) => (err ? reject(err) : resolve()));
    });

  return {
    ...(port !== undefined ? { port } : {}),
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    publish(topic, payload, o) {
      const key = deps.recipientOf?.(topic) ?? '';
      const done = (publishing.get(key) ?? Promise.resolve()).then(() => publishOne(topic, payload, o));
      const tail = done.catch(() => undefined);
      publishing.set(key, tail);
      void tail.then(() => {
        if (publishing.get(key) === tail) publishing.delete(key);
      });
      return done;
    },
    disconnect(node, match) {
      let n = 0;
      for (const c of [...(byNode.get(node) ?? [])]) {
        const p = principals.get(c);
        if (p && match(p)) {
          c.close();
          n += 1;
        }
      }
      return n;
    },
    async close() {
      clearInterval(busySummary);
      clearInterval(sweep);
      const closed = [server, tlsServer].map(
        (srv) =>
          new Promise<void>((r) => {
            if (!srv) return r();
            srv.close(() => r());
          }),
      );
      // server.close() waits for open connections: a connected device would hold the hub's
      // shutdown up to its keepalive timeout.
      for (const c of clients) c.close();
      await Promise.all(closed);
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

/**
 * Connections the kernel completes before the hub accepts them (capped by net.core.somaxconn).
 * Node's default of 511 overflowed when a fleet reconnected at once: the kernel dropped the
 * handshakes past it and devices waited out TCP retransmits, seconds each, with the hub idle.
 */
const LISTEN_BACKLOG = 4096;

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
