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
import { FLOTILLA_VERSION } from '../../shared/version.js';

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

  it('join-command prints the one-liner for the join string', async () => {
    assert.ok(hub);
    const joinString = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create', '--max-uses', '1'])).stdout.trim();
    const r = await run(flot.cmd, [...flot.args, 'join-command', '--join', joinString, '--device', 'pi@10.0.0.7']);
    assert.equal(r.code, 0, r.stderr);
    const deb = `flotilla-agent_${FLOTILLA_VERSION}_arm64.deb`;
    const remote = `sudo dpkg -i /tmp/${deb} && sudo flotilla-agent --join '${joinString}'`;
    assert.equal(r.stdout, `scp dist/packages/${deb} pi@10.0.0.7:/tmp/ && ssh -t pi@10.0.0.7 '${remote.replace(/'/g, `'\\''`)}'\n`);
    const bad = await run(flot.cmd, [...flot.args, 'join-command', '--join', 'abcdef.0123456789abcdef']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--hub is required with a bare token/);
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

    const r = await run(agent.cmd, [...agent.args, '--join', token, '--data-dir', data, '--node-name', NODE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote ${join(etc, 'agent.json')}; start the agent: flotilla-agent --data-dir ${data}`));
    assert.ok((await lstat(join(data, 'config.json'))).isSymbolicLink(), 'the symlink stays');
    assert.equal((await stat(join(etc, 'agent.json'))).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(join(etc, 'agent.json'), 'utf8')), { token, nodeName: NODE });

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
      [['--join', 'nope'], /--join: not a bootstrap token/],
      [['--join', 'mqtts://abcdef.0123456789abcdef@h:1/?key=sha256:00'], /--join: join string: key= must be sha256/],
      [['--join', 'abcdef.0123456789abcdef'], /--hub is required with a bare token/],
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
