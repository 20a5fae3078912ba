/**
 * Pods get a network on the device: a real hub and a real agent process on the shared Docker,
 * with the pod network on a bridge this test makes (its own name and subnet, removed at the end)
 * and the pause image built on the device from /bin/busybox (removed at the end too). A pod
 * reaches another pod by IP, the pod IP in status is the sandbox's, a hostPort on 127.0.0.1
 * reaches the pod from the host, a second pod asking for the same hostPort is rejected with an
 * event, an agent restart keeps network and addresses, and a bad subnet is refused at start.
 * Outbound NAT is not tested: dockerd here runs with --iptables=false --ip-masq=false.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { deviceContainers } from '../support/fault-agent.js';
import { create, startFaultFleet, type FaultFleet } from '../support/fault-fleet.js';
import { kubectlAvailable } from '../support/flotctl.js';
import { requireService } from '../support/env.js';
import { distEntry } from '../support/hub.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const NODE = 'knet-pi';
const NET = 'flotest0';
const SUBNET = '10.213.7.0/24';
const PAUSE = 'flotilla.local/pause:1';
const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';
/** hostPorts are beyond Pod Security baseline: a namespace (and a device) that runs privileged pods. */
const NS = 'knet';
const PODS = `/api/v1/namespaces/${NS}/pods`;

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  assert.ok(addr !== null && typeof addr === 'object');
  return addr.port;
}

function pod(name: string, container: Record<string, unknown>, restartPolicy = 'Always'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName: NODE, restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, ...container }] },
  };
}

type PodStatus = { phase?: string; podIP?: string; podIPs?: { ip: string }[]; reason?: string; message?: string };

describe('pod network on a device (real hub, agent, Docker)', function () {
  this.timeout(240_000);
  let fleet: FaultFleet;
  let hostPort = 0;
  let webIP = '';
  const status = async (name: string): Promise<PodStatus> => {
    const r = await fleet.api<KubeObject>(`${PODS}/${name}`);
    return (r.body['status'] ?? {});
  };
  const sandboxOf = async (podName: string) => (await deviceContainers(NODE)).find((c) => c.podName === podName && c.role === 'sandbox' && c.state === 'running');
  const fetchHostPort = async (): Promise<string> => (await fetch(`http://127.0.0.1:${hostPort}/`, { signal: AbortSignal.timeout(5000) })).text();

  before(async function () {
    this.timeout(120_000);
    await run('docker', ['network', 'rm', NET, 'flotest1']);
    await run('docker', ['rmi', '-f', PAUSE]);
    hostPort = await freePort();
    fleet = await startFaultFleet(this, [NODE], {
      agent: { config: { podInfraImage: PAUSE, podInfraCommand: undefined, podSecurityLevel: 'privileged', podNetwork: { name: NET, subnet: SUBNET, hostPortAddress: '127.0.0.1' } } },
    });
    const labels = { 'pod-security.kubernetes.io/enforce': 'privileged' };
    await create(fleet.api, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels } });
  });
  after(async () => {
    await fleet?.dispose();
    await run('docker', ['network', 'rm', NET, 'flotest1']);
    await run('docker', ['rmi', '-f', PAUSE]);
  });

  it('a pod reaches another pod on the device by its IP, which status reports', async () => {
    const web = pod('web', {
      command: ['sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && echo "$MY_IP" > /www/ip && exec httpd -f -p 8080 -h /www'],
      env: [{ name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      ports: [{ containerPort: 8080, hostPort, protocol: 'TCP' }],
    });
    await create(fleet.api, PODS, web);
    const running = await until('web Running with a pod IP', async () => {
      const s = await status('web');
      return s.phase === 'Running' && s.podIP ? s : undefined;
    }, 90_000, 250);
    webIP = running.podIP ?? '';
    assert.match(webIP, /^10\.213\.7\.\d+$/, 'an address of the configured subnet');
    assert.deepEqual(running.podIPs, [{ ip: webIP }]);
    const sandbox = await sandboxOf('web');
    assert.ok(sandbox, 'the pod has a running sandbox');
    assert.equal(await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, sandbox.id), webIP, 'the status IP is the sandbox address');
    assert.equal(await docker('image', 'inspect', '-f', '{{.Id}}', PAUSE) !== '', true, 'the pause image was built on the device');

    // busybox wget's -T crashes this static build: the whole fetch runs under timeout(1) instead.
    const script = `for i in $(seq 1 20); do timeout 5 wget -q -O /tmp/got http://${webIP}:8080/ && grep -q hello-from-web /tmp/got && exit 0; sleep 1; done; exit 1`;
    await create(fleet.api, PODS, pod('client', { command: ['sh', '-c', script] }, 'Never'));
    const done = await until('client finished', async () => {
      const s = await status('client');
      return s.phase === 'Succeeded' || s.phase === 'Failed' ? s : undefined;
    }, 90_000, 250);
    assert.equal(done.phase, 'Succeeded', 'the client fetched the page from the web pod by its IP');
  });

  it('kubectl get pods -o wide shows the pod IP', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    const r = await run('kubectl', ['--kubeconfig', fleet.hub.kubeconfig, 'get', 'pods', '-n', NS, '-o', 'wide'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^web\\s+1/1\\s+Running\\s+\\d+\\s+\\S+\\s+${webIP.replace(/\./g, '\\.')}\\s+${NODE}\\s`, 'm'));
  });

  it('the hostPort on 127.0.0.1 reaches the pod from the host; the pod knows its IP (downward API)', async () => {
    assert.equal((await fetchHostPort()).trim(), 'hello-from-web');
    const ip = await (await fetch(`http://127.0.0.1:${hostPort}/ip`, { signal: AbortSignal.timeout(5000) })).text();
    assert.equal(ip.trim(), webIP, 'status.podIP in env is the address in status');
  });

  it('a second pod asking for the same hostPort is rejected with a NodePorts event', async () => {
    await create(fleet.api, PODS, pod('web-2', { command: ['httpd', '-f', '-p', '8080'], ports: [{ containerPort: 8080, hostPort, protocol: 'TCP' }] }));
    const failed = await until('web-2 Failed', async () => {
      const s = await status('web-2');
      return s.phase === 'Failed' ? s : undefined;
    }, 60_000, 250);
    assert.equal(failed.reason, 'NodePorts');
    assert.match(failed.message ?? '', new RegExp(`hostPort ${hostPort}/TCP on 127\\.0\\.0\\.1 is used by pod ${NS}/web`));
    const events = await until('the NodePorts event', async () => {
      const r = await fleet.api<{ items: KubeObject[] }>(`/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Dweb-2`);
      const hit = r.body.items.filter((e) => e['reason'] === 'NodePorts' && e['type'] === 'Warning');
      return hit.length > 0 ? hit : undefined;
    }, 30_000, 250);
    assert.match(String(events[0]?.['message']), /^Pod was rejected: Predicate NodePorts failed/);
    assert.equal((await deviceContainers(NODE)).filter((c) => c.podName === 'web-2').length, 0, 'nothing of the rejected pod was created');
    assert.equal((await fetchHostPort()).trim(), 'hello-from-web', 'the first pod keeps the port');
  });

  it('an agent restart keeps the network, the sandbox and the pod IP', async () => {
    const netId = await docker('network', 'inspect', '-f', '{{.Id}}', NET);
    const sandbox = await sandboxOf('web');
    assert.ok(sandbox);
    const agent = fleet.agent(NODE);
    const starts = agent.starts;
    const seen = agent.logs.length;
    await agent.restart();
    assert.equal(agent.starts, starts + 1);
    await until('the restarted agent applied its desired state', () => agent.logs.slice(seen).some((l) => l.includes('"desired state applied"')), 60_000, 250);
    assert.equal(await docker('network', 'inspect', '-f', '{{.Id}}', NET), netId, 'the same network');
    assert.equal((await sandboxOf('web'))?.id, sandbox.id, 'the same sandbox');
    assert.equal((await status('web')).podIP, webIP);
    assert.equal((await status('web-2')).phase, 'Failed');
    assert.equal((await fetchHostPort()).trim(), 'hello-from-web');
  });

  it('the network, made as configured: bridge, subnet, masquerade asked of Docker', async () => {
    const info = JSON.parse(await docker('network', 'inspect', NET)) as { Driver: string; IPAM: { Config: { Subnet: string }[] }; Options: Record<string, string> }[];
    const net = info[0];
    assert.ok(net);
    assert.equal(net.Driver, 'bridge');
    assert.deepEqual(net.IPAM.Config.map((c) => c.Subnet), [SUBNET]);
    assert.equal(net.Options['com.docker.network.bridge.enable_ip_masquerade'], 'true');
    assert.equal(net.Options['com.docker.network.bridge.name'], NET);
  });

  it('an agent whose podNetwork.subnet is not private refuses to start, naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-knet-bad-'));
    try {
      await writeFile(join(dir, 'config.json'), JSON.stringify({ podNetwork: { subnet: '8.8.8.0/24' } }));
      const entry = distEntry('agent/main.js');
      const r = await run(entry.cmd, [...entry.args, '--hub', 'mqtt://127.0.0.1:1', '--data-dir', dir, '--node-name', 'knet-bad'], { timeoutMs: 30_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /config\.json: podNetwork\.subnet: "8\.8\.8\.0\/24" is not a private range/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
