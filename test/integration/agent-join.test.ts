// flotctl join-command against a real hub, and `flotilla-agent --join` on the device side:
// the config it writes (through the package's symlink), then the agent enrolling from it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerAvailable, requireService } from '../support/env.js';
import { endpoint, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const NODE = 'join-command-node';

describe('join-command and flotilla-agent --join', function () {
  this.timeout(120_000);
  let hub: HubHandle | undefined;
  let dir = '';
  const flot = tsEntry('server/flotctl/main.ts');
  const agent = tsEntry('agent/main.ts');

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    hub = await startHub();
    dir = await mkdtemp(join(tmpdir(), 'flotilla-join-'));
  });
  after(async () => {
    await hub?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('join-command prints the one-liner with a new single-use token', async () => {
    assert.ok(hub);
    const r = await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'join-command', '--hub', 'mqtts://hub.example:8883', '--device', 'pi@10.0.0.7']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^scp dist\/packages\/flotilla-agent_[\d.]+_arm64\.deb pi@10\.0\.0\.7:\/tmp\/ && ssh -t pi@10\.0\.0\.7 'sudo dpkg -i \/tmp\/flotilla-agent_[\d.]+_arm64\.deb && sudo flotilla-agent --join ([a-z0-9]{6})\.[a-z0-9]{16} --hub mqtts:\/\/hub\.example:8883'\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const list = await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'list']);
    assert.match(list.stdout, new RegExp(`^${m[1]}\\s.*\\s0/1\\s+join-command for pi@10\\.0\\.0\\.7`, 'm'));
    const bad = await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'join-command', '--hub', 'http://x']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--hub "http:\/\/x": expected mqtt/);
  });

  it('flotilla-agent --join writes the config through the symlink, then the agent enrolls from it', async () => {
    assert.ok(hub);
    const token = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create'])).stdout.trim();
    const data = join(dir, 'data');
    const etc = join(dir, 'etc');
    await mkdir(data, { recursive: true });
    await mkdir(etc, { recursive: true });
    await writeFile(join(etc, 'agent.json'), '{}\n', { mode: 0o600 });
    await symlink(join(etc, 'agent.json'), join(data, 'config.json'));

    const r = await run(agent.cmd, [...agent.args, '--join', token, '--hub', hub.mqttUrl, '--data-dir', data, '--node-name', NODE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote ${join(etc, 'agent.json')}; start the agent: flotilla-agent --data-dir ${data}`));
    assert.ok((await lstat(join(data, 'config.json'))).isSymbolicLink(), 'the symlink stays');
    assert.equal((await stat(join(etc, 'agent.json'))).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(join(etc, 'agent.json'), 'utf8')), { hub: hub.mqttUrl, token, nodeName: NODE });

    const p = spawn(agent.cmd, [...agent.args, '--data-dir', data], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const api = apiClient(endpoint(hub));
      await until('node Ready', async () => {
        const n = await api<{ status?: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${NODE}`);
        return n.status === 200 && n.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
      }, 60_000);
    } finally {
      p.kill('SIGTERM');
    }
  });

  it('flotilla-agent --join refuses bad input with exit 2 and writes nothing', async () => {
    assert.ok(hub);
    const data = join(dir, 'bad');
    await mkdir(data, { recursive: true });
    const cases: [string[], RegExp][] = [
      [['--join', 'nope', '--hub', hub.mqttUrl], /--join: not a bootstrap token/],
      [['--join', 'abcdef.0123456789abcdef'], /--hub is required with --join/],
      [['--join', 'abcdef.0123456789abcdef', '--hub', 'http://x'], /unsupported scheme "http:"/],
      [['--join', 'abcdef.0123456789abcdef', '--hub', hub.mqttUrl, '--token', 'x'], /--token: with --join only/],
    ];
    for (const [args, err] of cases) {
      const r = await run(agent.cmd, [...agent.args, ...args, '--data-dir', data]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, err);
    }
    await assert.rejects(stat(join(data, 'config.json')), /ENOENT/);
  });
});
