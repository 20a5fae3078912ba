/**
 * The enrollment client: exchanges a bootstrap token for a registered identity.
 *
 *   CONNECT  clientId enroll:<random>, username "bootstrap", password = the token, clean session
 *   SUBSCRIBE flotilla/v1/enroll/<clientId>/res
 *   PUBLISH   flotilla/v1/enroll/<clientId>/req  { enrollReq: token, nodeName, keys, version, arch }
 *   wait (bounded) for the enrollRes on the res topic, DISCONNECT.
 *
 * `enrollOnce` is one exchange; `enroll` retries transient failures (no broker, timeout, hub
 * internal error) with backoff and gives up on refusals that a retry cannot fix.
 */
import { fromBase64, toBase64, type Identity } from '../../shared/crypto/index.js';
import { BOOTSTRAP_USERNAME, decodeHubMessage, encode, enrollTopic, generateEnrollClientId } from '../../shared/protocol/index.js';
import type { EnrollRequestMessage } from '../../shared/protocol/index.js';
import { backoffDelay, type BackoffPolicy } from '../../shared/reconcile/backoff.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { MqttConnection, MqttConnector } from './transport.js';
import { AUTH_REFUSAL_CODES, describeConnectionError } from './transport.js';

export interface EnrollInput {
  hubUrl: string;
  token: string;
  nodeName: string;
  keys: Identity;
  agentVersion: string;
  /** GOARCH of the node (arm64, arm, amd64…). */
  arch?: string;
}

export type EnrollOutcome =
  | { ok: true; nodeName: string; hubKey: Uint8Array }
  /** `permanent`: retrying with the same token and name cannot succeed. */
  | { ok: false; permanent: boolean; reason: string; message: string };

/** Hub refusals a retry cannot fix. Anything else (internal-error, unknown reasons) is retried. */
export const PERMANENT_ENROLL_REFUSALS: readonly string[] = ['invalid-token', 'name-conflict', 'invalid-request'];

export interface EnrollDeps {
  connector: MqttConnector;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

export interface EnrollOptions {
  /** Bound on one whole exchange: connect, subscribe, request, response. */
  timeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Stop retrying after this many attempts (default: never). */
  maxAttempts?: number;
  /** Judges the hub key of a successful response (pinning); a string is why it is refused. */
  checkHubKey?: (hubKey: Uint8Array) => string | undefined;
  signal?: AbortSignal;
}

export const ENROLL_BACKOFF: BackoffPolicy = { initialMs: 2000, maxMs: 120_000, factor: 2, jitter: 1 };

/** One enrollment exchange over a fresh bootstrap connection. Never throws. */
export function enrollOnce(input: EnrollInput, deps: EnrollDeps, timeoutMs = 30_000): Promise<EnrollOutcome> {
  const clientId = generateEnrollClientId();
  const resTopic = enrollTopic(clientId, 'res');
  const reqTopic = enrollTopic(clientId, 'req');
  const log = deps.logger.child({ component: 'enroll', clientId });
  let conn: MqttConnection;
  try {
    conn = deps.connector({
      url: input.hubUrl,
      clientId,
      username: BOOTSTRAP_USERNAME,
      password: input.token,
      clean: true,
      keepaliveSeconds: 30,
      connectTimeoutMs: timeoutMs,
    });
  } catch (e) {
    return Promise.resolve({ ok: false, permanent: false, reason: 'connect-failed', message: errorMessage(e) });
  }

  return new Promise<EnrollOutcome>((resolve) => {
    let done = false;
    const finish = (outcome: EnrollOutcome): void => {
      if (done) return;
      done = true;
      cancelTimer();
      // A clean DISCONNECT when we got our answer; otherwise just drop the socket.
      conn.end(!outcome.ok).catch((e: unknown) => log.debug('bootstrap disconnect failed', { error: errorMessage(e) }));
      resolve(outcome);
    };
    const cancelTimer = deps.clock.setTimer(() => {
      finish({ ok: false, permanent: false, reason: 'timeout', message: `no enrollment response within ${timeoutMs} ms` });
    }, timeoutMs);

    conn.on('error', (err) => {
      if (err.kind === 'refused') {
        const permanent = AUTH_REFUSAL_CODES.includes(err.code);
        finish({ ok: false, permanent, reason: permanent ? 'invalid-token' : 'refused', message: describeConnectionError(err) });
        return;
      }
      finish({ ok: false, permanent: false, reason: 'connect-failed', message: describeConnectionError(err) });
    });
    conn.on('close', () => finish({ ok: false, permanent: false, reason: 'connect-failed', message: 'connection closed before the enrollment response' }));
    conn.on('message', (topic, payload) => {
      if (topic !== resTopic) return;
      try {
        const res = decodeHubMessage('enroll-res', payload);
        if (res.ok) {
          const hubKey = fromBase64(res.hubKey);
          if (!hubKey) throw new Error('hubKey: not base64');
          finish({ ok: true, nodeName: res.nodeName, hubKey });
        } else {
          finish({ ok: false, permanent: PERMANENT_ENROLL_REFUSALS.includes(res.reason), reason: res.reason, message: res.message });
        }
      } catch (e) {
        log.warn('malformed enrollment response ignored', { error: errorMessage(e), bytes: payload.length });
      }
    });
    conn.on('connect', () => {
      const req: EnrollRequestMessage = {
        v: 1,
        t: 'enrollReq',
        token: input.token,
        nodeName: input.nodeName,
        signingKey: toBase64(input.keys.signingPublicKey),
        boxKey: toBase64(input.keys.boxPublicKey),
        agentVersion: input.agentVersion,
      };
      if (input.arch !== undefined) req.arch = input.arch;
      conn
        .subscribe([resTopic], 1)
        .then((granted) => {
          if ((granted[0] ?? 128) >= 128) throw new Error(`broker refused subscription to ${resTopic}`);
          return conn.publish(reqTopic, encode(req), { qos: 1, retain: false });
        })
        .then(() => log.info('enrollment requested', { nodeName: input.nodeName }))
        .catch((e: unknown) => finish({ ok: false, permanent: false, reason: 'connect-failed', message: errorMessage(e) }));
    });
  });
}

function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      cancel();
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Enrolls, retrying transient failures with backoff and jitter. Resolves with the success, a
 * permanent refusal, or the last failure when aborted or out of attempts.
 */
export async function enroll(input: EnrollInput, deps: EnrollDeps, opts: EnrollOptions = {}): Promise<EnrollOutcome> {
  const log = deps.logger.child({ component: 'enroll' });
  const policy = opts.backoff ?? ENROLL_BACKOFF;
  for (let attempt = 0; ; attempt++) {
    let outcome = await enrollOnce(input, deps, opts.timeoutMs);
    if (outcome.ok) {
      const problem = outcome.nodeName !== input.nodeName ? `the hub answered for node "${outcome.nodeName}", not "${input.nodeName}"` : opts.checkHubKey?.(outcome.hubKey);
      if (problem === undefined) return outcome;
      log.error('enrollment response refused', { problem });
      outcome = { ok: false, permanent: false, reason: 'hub-key-mismatch', message: problem };
    }
    if (outcome.permanent) return outcome;
    if (opts.signal?.aborted || (opts.maxAttempts !== undefined && attempt + 1 >= opts.maxAttempts)) return outcome;
    const delay = backoffDelay(policy, attempt, deps.random ?? Math.random);
    log.warn('enrollment failed, retrying', { reason: outcome.reason, message: outcome.message, attempt: attempt + 1, retryInMs: delay });
    await sleep(deps.clock, delay, opts.signal);
    if (opts.signal?.aborted) return outcome;
  }
}
