/**
 * The agent over MQTT/TLS against a real hub (`--mqtts-listen`, the API certificate from the
 * hub's private CA): with `--hub-ca DATA_DIR/pki/ca.crt` the real agent process enrolls and its
 * Node reports Ready; without it the TLS handshake fails (system trust store), nothing enrolls,
 * and the agent says why. Bad CA settings stop the agent with exit 2 before it writes anything.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { parseJoinString } from '../../shared/protocol/index.js';
import { endpoint, REPO_ROOT, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';
import { spawnAgent, stopAgent, type AgentProc } from '../support/agent-process.js';

interface Condition {
  type: string;
  status: string;
  reason?: string;
}

function conditions(n: KubeObject): Condition[] {
  const status = n['status'] as { conditions?: Condition[] } | undefined;
  return status?.conditions ?? [];
}

describe('agent over mqtts:// with the hub CA (real hub, real agent process)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;
  let token: string;
  let caFile: string;
  let mqttsUrl: string;
  let tmp: string;
  const agents: AgentProc[] = [];

  const node = async (name: string): Promise<KubeObject | undefined> => {
    const r = await api<KubeObject>(`/api/v1/nodes/${name}`);
    return r.status === 200 ? r.body : undefined;
  };
  const agentFlags = (name: string, dataDir: string, ...extra: string[]): string[] => [
    '--hub',
    mqttsUrl,
    '--token',
    token,
    '--node-name',
    name,
    '--data-dir',
    dataDir,
    '--heartbeat-interval',
    '1s',
    ...extra,
  ];

  before(async function () {
    hub = await startHub({ extraArgs: ['--mqtts-listen', '127.0.0.1:0'] });
    api = apiClient(endpoint(hub));
    assert.ok(hub.mqttsUrl, `the hub logged no mqtts URL; logs:\n${hub.logs.slice(-10).join('\n')}`);
    mqttsUrl = hub.mqttsUrl;
    assert.match(mqttsUrl, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    caFile = join(hub.dataDir, 'pki', 'ca.crt');
    tmp = await mkdtemp(join(tmpdir(), 'flotilla-agent-mqtts-'));
    const { cmd, args } = tsEntry('server/flotctl/main.ts');
    const r = await run(cmd, [...args, '--kubeconfig', hub.kubeconfig, 'token', 'create'], { cwd: REPO_ROOT });
    assert.equal(r.code, 0, r.stderr);
    token = r.stdout.trim();
    assert.match(token, /^mqtts:\/\/[a-z0-9]{6}\.[a-z0-9]{16}@127\.0\.0\.1:\d+\/\?ca=sha256:[0-9a-f]{64}&key=sha256:[0-9a-f]{64}$/);
  });

  after(async function () {
    for (const a of agents) await stopAgent(a);
    await hub?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      for (const a of agents) console.log(a.stderr().split('\n').slice(-30).join('\n'));
    }
  });

  it('with --hub-ca the agent enrolls over TLS and its Node reports Ready', async function () {
    const a = spawnAgent(agentFlags('pi-tls', join(tmp, 'pi-tls'), '--hub-ca', caFile));
    agents.push(a);
    const n = await until(
      'node pi-tls with a Ready condition from the agent',
      async () => {
        const x = await node('pi-tls');
        const ready = x ? conditions(x).find((c) => c.type === 'Ready') : undefined;
        return ready && (ready.reason === 'KubeletReady' || ready.reason === 'KubeletNotReady') ? x : undefined;
      },
      30_000,
    );
    const ready = conditions(n).find((c) => c.type === 'Ready');
    assert.ok(ready && ['True', 'False'].includes(ready.status), JSON.stringify(ready));
    const logs = a.logs();
    assert.ok(logs.some((l) => l['msg'] === 'enrolled'), 'the agent logs its enrollment');
    assert.ok(logs.some((l) => l['msg'] === 'agent starting' && l['hub'] === mqttsUrl && l['hubCA'] === 'configured'));
    assert.ok(logs.some((l) => l['msg'] === 'link state' && l['to'] === 'online'), 'the node link came online over TLS');
  });

  it('with a join string alone the agent finds the pinned CA in the hub chain, keeps it, and enrolls over TLS', async function () {
    const dataDir = join(tmp, 'pi-join');
    const a = spawnAgent(['--token', token, '--node-name', 'pi-join', '--data-dir', dataDir, '--heartbeat-interval', '1s']);
    agents.push(a);
    await until('node pi-join Ready', async () => ((await node('pi-join'))?.['status'] !== undefined ? true : undefined), 20_000);
    assert.ok(a.logs().some((l) => l['msg'] === 'hub CA pinned and saved'));
    assert.equal(await readFile(join(dataDir, 'hub-ca.crt'), 'utf8'), await readFile(caFile, 'utf8'));
  });

  it('with a bare token and without --hub-ca the TLS verification fails: no Node, and the agent logs a TLS error', async function () {
    const dataDir = join(tmp, 'pi-notls');
    const bare = parseJoinString(token).token;
    const a = spawnAgent(agentFlags('pi-notls', dataDir).map((f) => (f === token ? bare : f)));
    agents.push(a);
    const failure = await until(
      'an enrollment failure in the agent log',
      () => Promise.resolve(a.logs().find((l) => l['msg'] === 'enrollment failed, retrying')),
      15_000,
    );
    assert.equal(failure['reason'], 'connect-failed');
    const message = String(failure['message']);
    assert.match(message, /^TLS: /, message);
    assert.match(message, /certificate/i, message);
    assert.match(message, /--hub-ca/, message);
    // Give it a few seconds more: it must not get through.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await node('pi-notls'), undefined, 'the node must not appear');
    assert.ok(!a.logs().some((l) => l['msg'] === 'enrolled'));
    assert.equal(a.proc.exitCode, null, 'the agent keeps retrying (the CA may be fixed on the hub side)');
  });

  it('refuses bad CA settings with exit 2 before writing anything', async function () {
    const { cmd, args } = tsEntry('agent/main.ts');
    const dataDir = join(tmp, 'pi-bad');
    const base = ['--token', token, '--node-name', 'pi-bad', '--data-dir', dataDir];

    const plain = await run(cmd, [...args, ...base, '--hub', hub.mqttUrl, '--hub-ca', caFile], { cwd: REPO_ROOT });
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /--hub-ca: hubCA needs an mqtts:\/\/ or wss:\/\/ hub URL/);

    const missing = join(tmp, 'nope.crt');
    const absent = await run(cmd, [...args, ...base, '--hub', mqttsUrl, '--hub-ca', missing], { cwd: REPO_ROOT });
    assert.equal(absent.code, 2, absent.stderr);
    assert.ok(absent.stderr.includes(`--hub-ca: cannot read ${missing}: no such file`), absent.stderr);

    const notPem = join(tmp, 'not-a-cert.crt');
    await writeFile(notPem, 'hello\n');
    const bad = await run(cmd, [...args, ...base, '--hub', mqttsUrl, '--hub-ca', notPem], { cwd: REPO_ROOT });
    assert.equal(bad.code, 2, bad.stderr);
    assert.ok(bad.stderr.includes(`--hub-ca: ${notPem} holds no PEM certificate`), bad.stderr);

    assert.ok(!(await readdir(tmp)).includes('pi-bad'), 'nothing written to the data dir');
  });
});
