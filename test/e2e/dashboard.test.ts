/**
 * The dashboard in a real headless Chromium against a real hub (short grace period) and a real
 * agent on Docker: sign-in as admin and as viewer, the agent's row going Unknown when it is
 * killed and Ready when it is back, cordon from the UI seen by kubectl, a live event, the
 * keyboard path through the node table, a rollout's progress bar advancing and a broken image's
 * halt reason on the Rollouts page, no console errors anywhere. Screenshots of every page
 * go to SCREENSHOT_DIR (artefacts, not committed).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchBrowser, type Browser } from '../support/browser.js';
import { BROKEN_IMAGE } from '../support/daemonset-e2e.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE, TEST_IMAGE_LATEST } from '../support/env.js';
import { flotctl } from '../support/flotctl.js';
import { spawnDeviceAgent } from '../support/agent-process.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const NODE = 'pi-dash';
const GRACE_MS = 4000;

/** GET without a token, returning status and headers (the static UI is public). */
function head(url: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
}

function row(page: Page, name: string) {
  return page.locator('.vt-row', { has: page.locator(`.col-name a:text-is("${name}")`) });
}

describe('dashboard in a real browser', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  let browser: Browser;
  let admin: Page;
  let agentDir: string;
  let agent: ChildProcess | undefined;
  let joinToken: string;
  let viewerToken: string;

  const startAgent = (withToken: boolean): ChildProcess =>
    spawnDeviceAgent({ hub, dataDir: agentDir, nodeName: NODE, ...(withToken ? { token: joinToken } : {}) }).proc;
  const status = async (): Promise<string> => (await row(admin, NODE).locator('.col-status').textContent()) ?? '';

  before(async function () {
    await requireService('chromium', chromiumAvailable, this);
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    hub = await startHub({ extraArgs: ['--node-monitor-grace-period', `${GRACE_MS}ms`, '--node-monitor-period', '1s'] });
    api = apiClient(endpoint(hub));
    agentDir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
    await writeFile(join(agentDir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], podNetwork: false }));
    const t = await flotctl(hub, ['token', 'create', '--max-uses', '1']);
    joinToken = t.stdout.trim();
    const v = await flotctl(hub, ['token', 'create', '--role', 'viewer']);
    assert.equal(v.code, 0, v.stderr);
    viewerToken = v.stdout.trim();
    browser = await launchBrowser();
    admin = await browser.newPage();
  });
  after(async function () {
    agent?.kill('SIGKILL');
    await browser?.close();
    await hub?.dispose();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
  });

  it('serves the UI with strict security headers and keeps its API behind a token', async function () {
    const r = await head(`${hub.apiUrl}/ui/`, hub.ca);
    assert.equal(r.status, 200);
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.doesNotMatch(r.body, /<script>|<script [^>]*>[^<]/, 'no inline script');
    assert.equal((await head(`${hub.apiUrl}/ui/api/heartbeats`, hub.ca)).status, 401);
    assert.equal((await head(`${hub.apiUrl}/ui/app.js.map`, hub.ca)).status, 404, 'source maps stay private');
    assert.notEqual((await head(`${hub.apiUrl}/ui/%2e%2e/admin-token`, hub.ca)).status, 200, 'no way out of the bundle');
  });

  it('signs in with the admin token and shows a real agent Ready', async function () {
    await signIn(admin, hub.apiUrl, hub.token);
    assert.ok(!admin.url().includes(hub.token), 'the token is not in the URL');
    agent = startAgent(true);
    await until('the agent row Ready', async () => ((await status()).startsWith('Ready') ? true : undefined), 30_000, 200);
    await admin.locator('[data-count="Ready"] .n', { hasText: /^1$/ }).waitFor();
    await until('a heartbeat age on the row', async () => (/\d+s ago/.test((await row(admin, NODE).locator('.col-age').textContent()) ?? '') ? true : undefined), 10_000, 200);
    await browser.screenshot(admin, 'fleet');
  });

  it('turns the row Unknown within the grace period + 2 s of the agent dying, and Ready when it is back', async function () {
    agent?.kill('SIGKILL');
    const killed = Date.now();
    await until('the row Unknown', async () => ((await status()).startsWith('Unknown') ? true : undefined), GRACE_MS + 2000, 100);
    const tookMs = Date.now() - killed;
    assert.ok(tookMs >= GRACE_MS - 1500, `not before the grace period (${tookMs} ms)`);
    await browser.screenshot(admin, 'fleet-unknown');
    agent = startAgent(false);
    await until('the row Ready again', async () => ((await status()).startsWith('Ready') ? true : undefined), 30_000, 100);
  });

  it('opens a node from the table with the keyboard, and cordons it from the UI (kubectl sees it)', async function () {
    await admin.locator('.vt-viewport').focus();
    await admin.keyboard.press('Home');
    await admin.keyboard.press('Enter');
    await admin.getByRole('heading', { name: new RegExp(`^${NODE}`) }).waitFor();
    await admin.getByRole('heading', { name: 'Heartbeats' }).waitFor();
    await admin.getByText(/heartbeats over the last/).waitFor();
    await admin.getByRole('button', { name: 'Cordon' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Cordon node ${NODE}?` }).waitFor();
    await dialog.getByRole('button', { name: `Cordon ${NODE}` }).click();
    await admin.getByText('SchedulingDisabled').first().waitFor();
    const r = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'get', 'node', NODE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${NODE}\\s+Ready,SchedulingDisabled\\s`, 'm'));
    await browser.screenshot(admin, 'node');
  });

  it('shows a new event live on the events page, Warning first, filterable', async function () {
    await admin.goto(`${hub.apiUrl}/ui/#/events`);
    await admin.getByRole('heading', { name: 'Events' }).waitFor();
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'dash-test.1', namespace: 'default' },
      involvedObject: { kind: 'Node', name: NODE },
      reason: 'DashboardProbe',
      message: 'written by the dashboard test',
      type: 'Warning',
      source: { component: 'test' },
      count: 1,
      lastTimestamp: new Date().toISOString(),
    };
    assert.equal((await api('/api/v1/namespaces/default/events', { method: 'POST', body: ev })).status, 201);
    const first = admin.locator('table.events tbody tr').first();
    await first.getByText('DashboardProbe').waitFor();
    await admin.getByLabel('Type').selectOption('Normal');
    await admin.getByText('DashboardProbe').waitFor({ state: 'detached' });
    await admin.getByLabel('Type').selectOption('');
    await browser.screenshot(admin, 'events');
  });

  it('lists DaemonSets on the Rollouts page with their status and admin actions', async function () {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'dash-agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'dash' } }, template: { metadata: { labels: { app: 'dash' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: TEST_IMAGE, command: ['sleep', '3600'] }] } } },
    };
    assert.equal((await api('/apis/apps/v1/namespaces/default/daemonsets', { method: 'POST', body: ds })).status, 201);
    await admin.goto(`${hub.apiUrl}/ui/#/rollouts`);
    await admin.getByRole('heading', { name: 'default/dash-agent' }).waitFor();
    await admin.getByRole('button', { name: 'Pause' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Pause dash-agent' }).click();
    await admin.getByRole('button', { name: 'Resume' }).waitFor();
    const got = (await api<{ metadata: { annotations?: Record<string, string> } }>('/apis/apps/v1/namespaces/default/daemonsets/dash-agent')).body;
    assert.equal(got.metadata.annotations?.['flotilla.io/rollout-paused'], 'true');
    await browser.screenshot(admin, 'rollouts');
  });

  it('advances a rollout\'s progress bar as the device updates, and shows why a broken image halted', async function () {
    const path = '/apis/apps/v1/namespaces/default/daemonsets/dash-agent';
    const card = admin.locator('article.rollout', { has: admin.getByRole('heading', { name: 'default/dash-agent' }) });
    const bar = card.getByRole('progressbar', { name: 'Stage all' });
    const updated = async (): Promise<number> => Number(await bar.getAttribute('aria-valuenow'));
    await until('the first revision running on the device', async () => ((await updated()) === 1 ? true : undefined), 60_000, 200);
    // Paused (previous test): an image change waits, the bar drops back to 0 of 1.
    const setImage = (image: string): Promise<unknown> =>
      api(path, { method: 'PATCH', body: { spec: { template: { spec: { containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } } } }, contentType: 'application/merge-patch+json' });
    await setImage(TEST_IMAGE_LATEST);
    await until('the bar back at 0 updated', async () => ((await updated()) === 0 ? true : undefined), 20_000, 100);
    assert.match((await bar.getAttribute('aria-valuetext')) ?? '', /0 updated, .*1 pending/);
    const seen: number[] = [];
    await card.getByRole('button', { name: 'Resume' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Resume dash-agent' }).click();
    await until('the bar at 1 of 1 updated', async () => {
      const n = await updated();
      if (seen.at(-1) !== n) seen.push(n);
      return n === 1 ? true : undefined;
    }, 60_000, 100);
    assert.deepEqual([seen[0], seen.at(-1)], [0, 1], `the bar advanced from 0 to 1 (saw ${seen.join(' → ')})`);
    await card.getByText('Complete').waitFor();
    await browser.screenshot(admin, 'rollouts-progress');

    const annotations = { 'flotilla.io/failure-budget': '0', 'flotilla.io/progress-deadline': '6s' };
    assert.equal((await api(path, { method: 'PATCH', body: { metadata: { annotations } }, contentType: 'application/merge-patch+json' })).status, 200);
    await setImage(BROKEN_IMAGE);
    const why = card.getByRole('alert');
    await why.getByRole('heading', { name: 'Why it stopped' }).waitFor({ timeout: 60_000 });
    await card.locator('.status.halted', { hasText: 'Halted' }).waitFor();
    const text = (await why.textContent()) ?? '';
    assert.match(text, /1 of 1 updated devices failed \(0 allowed\)/, text);
    assert.match(text, new RegExp(`${NODE}.*(ErrImagePull|ImagePullBackOff)`), text);
    assert.equal(await why.getByRole('link', { name: NODE }).count(), 1, 'the failing device links to its page');
    await browser.screenshot(admin, 'rollouts-halted');

    await card.getByRole('button', { name: 'Undo' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Undo dash-agent' }).click();
    await why.waitFor({ state: 'detached', timeout: 60_000 });
    await until('back on the previous image, updated', async () => ((await updated()) === 1 ? true : undefined), 60_000, 200);
  });

  it('signs in with a viewer token: no write buttons, and a write through the API is 403', async function () {
    const viewer = await browser.newPage();
    await signIn(viewer, hub.apiUrl, viewerToken);
    await viewer.getByText('(read-only)').waitFor();
    await viewer.goto(`${hub.apiUrl}/ui/#/node/${NODE}`);
    await viewer.getByRole('heading', { name: 'Conditions' }).waitFor();
    assert.equal(await viewer.getByRole('button', { name: /^(Cordon|Uncordon|Drain|Taint|Label)$/ }).count(), 0);
    await viewer.goto(`${hub.apiUrl}/ui/#/rollouts`);
    await viewer.getByRole('heading', { name: 'default/dash-agent' }).waitFor();
    assert.equal(await viewer.getByRole('button', { name: /^(Pause|Resume|Promote|Undo)$/ }).count(), 0);
    const r = await api(`/api/v1/nodes/${NODE}`, { method: 'PATCH', token: viewerToken, body: { spec: { unschedulable: false } }, contentType: 'application/merge-patch+json' });
    assert.equal(r.status, 403);
    await viewer.close();
  });

  it('streams a pod log and reads well on a 390-px phone', async function () {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'dash-logger', namespace: 'default' },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: TEST_IMAGE, command: ['sh', '-c', 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done'] }] },
    };
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod })).status, 201);
    await until('the logger Running', async () => {
      const p = (await api<{ status?: { phase?: string } }>('/api/v1/namespaces/default/pods/dash-logger')).body;
      return p.status?.phase === 'Running' ? true : undefined;
    }, 60_000, 250);
    await admin.goto(`${hub.apiUrl}/ui/#/logs/default/dash-logger`);
    await admin.locator('pre.log', { hasText: /tick-\d+/ }).waitFor({ timeout: 20_000 });
    await browser.screenshot(admin, 'logs');
    const phone = await browser.newPage({ width: 390, height: 844 });
    await signIn(phone, hub.apiUrl, viewerToken);
    await row(phone, NODE).waitFor();
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow} px too wide)`);
    await browser.screenshot(phone, 'fleet-phone');
    await phone.close();
    await api('/api/v1/namespaces/default/pods/dash-logger', { method: 'DELETE' });
  });

  it('logged no console errors on any page, and the hub never logged a token', function () {
    assert.deepEqual(browser.errors, []);
    const logs = hub.logs.join('\n');
    assert.ok(!logs.includes(hub.token) && !logs.includes(viewerToken), 'no token in the hub log');
  });
});
