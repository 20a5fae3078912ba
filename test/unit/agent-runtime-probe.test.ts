import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { engineRuntimeProbe, type RuntimeProbe } from '../../agent/status/index.js';
import { silentLogger } from '../../shared/util/logger.js';

/** The runtime probe through the agent's one Docker client, on a fake engine socket. */
function dockerSocketProbe(socketPath: string, timeoutMs?: number): RuntimeProbe {
  return engineRuntimeProbe(createDockerEngine({ socketPath, logger: silentLogger }), timeoutMs);
}

describe('agent runtime probe: GET /version through the engine', () => {
  let dir: string;
  let server: Server | undefined;
  let handler: (path: string, res: ServerResponse) => void = () => undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-probe-'));
  });
  afterEach(async () => {
    server?.closeAllConnections();
    if (server) await new Promise((r) => server?.close(r));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function listen(): Promise<string> {
    const path = join(dir, 'docker.sock');
    server = createServer((req, res) => handler(req.url ?? '', res));
    await new Promise<void>((r) => server?.listen(path, r));
    return path;
  }

  it('reachable, with the engine version', async () => {
    let asked = '';
    handler = (path, res) => {
      asked = path;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Version: '24.0.5', ApiVersion: '1.43' }));
    };
    assert.deepEqual(await dockerSocketProbe(await listen()).probe(), { reachable: true, version: '24.0.5' });
    assert.equal(asked, '/version');
  });

  it('an error answer is unreachable, saying which', async () => {
    handler = (_p, res) => res.writeHead(500).end('boom');
    const path = await listen();
    assert.deepEqual(await dockerSocketProbe(path).probe(), { reachable: false, error: 'GET /version: boom' });
  });

  it('no socket is unreachable', async () => {
    const r = await dockerSocketProbe(join(dir, 'missing.sock')).probe();
    assert.equal(r.reachable, false);
    assert.match(r.error ?? '', /ENOENT/);
  });

  it('a hung engine is unreachable after the timeout', async () => {
    handler = () => undefined; // never answers
    const r = await dockerSocketProbe(await listen(), 200).probe();
    assert.equal(r.reachable, false);
    assert.match(r.error ?? '', /did not answer within 200 ms/);
  });
});
