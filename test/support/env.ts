// Test environment helpers: which external services (Docker, the local
// registries) a test needs, and what to do when one is missing.
//
// test/setup.sh (run by `npm test`) installs and starts them. When a check
// fails: on CI (process.env.CI set) the test FAILS, because CI must have
// everything; on a developer machine it is SKIPPED with a line saying why.
//
//   before(async function () {
//     await requireService('docker', dockerAvailable, this);
//   });
import http from 'node:http';

/** The busybox test image that test/setup.sh builds and pushes. */
export const TEST_IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';
/** The same image under :latest. */
export const TEST_IMAGE_LATEST = '127.0.0.1:5000/flotilla/busybox:latest';
/** host:port of the local registry test/setup.sh starts. */
export const REGISTRY_ADDR = '127.0.0.1:5000';
export const REGISTRY_URL = `http://${REGISTRY_ADDR}`;
/**
 * host:port of the private registry test/setup.sh starts: basic auth (htpasswd,
 * bcrypt), loopback only, for imagePullSecrets tests.
 */
export const PRIVATE_REGISTRY = '127.0.0.1:5001';
export const PRIVATE_REGISTRY_URL = `http://${PRIVATE_REGISTRY}`;
/** The private registry's user and password: a throwaway test credential (same as in test/setup.sh). */
export const PRIVATE_REGISTRY_USER = 'flotilla';
export const PRIVATE_REGISTRY_PASSWORD = 'flotilla-test-only-password';
/** The busybox test image in the private registry, pullable only with the credential. */
export const PRIVATE_IMAGE = `${PRIVATE_REGISTRY}/private/busybox:1.0`;
/** Docker's API socket. */
export const DOCKER_SOCKET = '/var/run/docker.sock';

const CHECK_TIMEOUT_MS = 3000;

/**
 * A service check that also says why it failed: `reason` holds the cause of
 * its last `false` (empty after a `true`).
 */
export interface ExplainedCheck {
  (): Promise<boolean>;
  reason: string;
}

/** True when CI is set to anything but '', 'false' or '0'. */
export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function reasonOf(check: () => Promise<boolean>): string {
  if ('reason' in check && typeof check.reason === 'string' && check.reason !== '') {
    return check.reason;
  }
  return 'check returned false';
}

/**
 * Fails (CI) or skips (elsewhere) the current test or hook unless `check`
 * resolves to true. A check that rejects counts as failed, with its error as
 * the reason. Call it from `before`/`beforeEach`/`it` with their `this`.
 */
export async function requireService(
  name: string,
  check: () => Promise<boolean>,
  ctx: Mocha.Context,
): Promise<void> {
  let ok = false;
  let reason: string;
  try {
    ok = await check();
    reason = ok ? '' : reasonOf(check);
  } catch (err) {
    reason = `check threw: ${errorMessage(err)}`;
  }
  if (ok) return;
  if (isCI()) {
    throw new Error(
      `required service ${name} is missing (${reason}); CI must provide it: run \`bash test/setup.sh\` as root`,
    );
  }
  console.log(`skipping: ${name} is not available (${reason})`);
  ctx.skip();
}

interface HttpProbe {
  socketPath?: string;
  host?: string;
  port?: number;
  path: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** The status that counts as success (200 unless told). */
  expect?: number;
}

/**
 * Sends one request (to host:port or a unix socket); resolves to an empty
 * string when the answer is 200 (or `expect`), otherwise to a reason. Never rejects.
 */
function probeHttp(probe: HttpProbe, describe: string): Promise<string> {
  const { expect = 200, ...target } = probe;
  return new Promise<string>((resolve) => {
    const req = http.request(
      {
        ...target,
        method: target.method ?? 'GET',
        timeout: CHECK_TIMEOUT_MS,
        agent: false,
        headers: { Connection: 'close', ...target.headers },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status === expect ? '' : `${describe} answered HTTP ${status}${expect === 200 ? '' : ` (expected ${expect})`}`);
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
    });
    req.on('error', (err) => {
      resolve(`${describe}: ${errorMessage(err)}`);
    });
    req.end();
  });
}

function explained(probe: () => Promise<string>): ExplainedCheck {
  const check = async (): Promise<boolean> => {
    const reason = await probe();
    check.reason = reason;
    return reason === '';
  };
  check.reason = '';
  return check;
}

const probeRegistry = (): Promise<string> =>
  probeHttp({ host: '127.0.0.1', port: 5000, path: '/v2/' }, `GET ${REGISTRY_URL}/v2/`);

/** Docker answers GET /_ping on /var/run/docker.sock. */
export const dockerAvailable: ExplainedCheck = explained(() =>
  probeHttp({ socketPath: DOCKER_SOCKET, path: '/_ping' }, `GET /_ping on ${DOCKER_SOCKET}`),
);

/** The local registry answers GET http://127.0.0.1:5000/v2/ with 200. */
export const registryAvailable: ExplainedCheck = explained(probeRegistry);

/** The registry answers and serves the manifest of TEST_IMAGE. */
export const testImageAvailable: ExplainedCheck = explained(async () => {
  const registry = await probeRegistry();
  if (registry !== '') return registry;
  return probeHttp(
    {
      host: '127.0.0.1',
      port: 5000,
      path: '/v2/flotilla/busybox/manifests/1.0',
      method: 'HEAD',
      headers: {
        Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    },
    `HEAD manifest of ${TEST_IMAGE}`,
  );
});

const privateAuth = `Basic ${Buffer.from(`${PRIVATE_REGISTRY_USER}:${PRIVATE_REGISTRY_PASSWORD}`).toString('base64')}`;

/**
 * The private registry asks for credentials (GET /v2/ without them is 401),
 * accepts the test credential and serves PRIVATE_IMAGE's manifest with it.
 */
export const privateRegistryAvailable: ExplainedCheck = explained(async () => {
  const port = 5001;
  const anonymous = await probeHttp({ host: '127.0.0.1', port, path: '/v2/', expect: 401 }, `GET ${PRIVATE_REGISTRY_URL}/v2/ without credentials`);
  if (anonymous !== '') return anonymous;
  const authed = await probeHttp({ host: '127.0.0.1', port, path: '/v2/', headers: { Authorization: privateAuth } }, `GET ${PRIVATE_REGISTRY_URL}/v2/ as ${PRIVATE_REGISTRY_USER}`);
  if (authed !== '') return authed;
  return probeHttp(
    {
      host: '127.0.0.1',
      port,
      path: '/v2/private/busybox/manifests/1.0',
      method: 'HEAD',
      headers: {
        Authorization: privateAuth,
        Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    },
    `HEAD manifest of ${PRIVATE_IMAGE}`,
  );
});
