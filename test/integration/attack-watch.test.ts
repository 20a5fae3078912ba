/**
 * Never-reading watches against a real hub: while objects churn, clients that open watches and
 * never read cannot make the hub buffer without bound. Their streams are cut off once their
 * share of --watch-memory-cap is reached (logged with the hub's tracked total), the total stays
 * under the cap, and a client that reads keeps receiving every change.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { until } from '../support/wait.js';

const CAP = 2 * 1024 * 1024;
const SLOW = 4;
const BLOB = 64 * 1024;
const UPDATES = 300;
const WATCH = '/api/v1/namespaces/default/configmaps?watch=true';

interface OpenWatch {
  res: IncomingMessage;
  /** Resolves when the stream ended or was cut (after the client reads what is left). */
  closed: Promise<void>;
  bytes(): number;
}

function openWatch(hub: HubHandle, read: boolean, onLine?: (line: string) => void): Promise<OpenWatch> {
  return new Promise((resolve, reject) => {
    const r = request(hub.apiUrl + WATCH, { headers: { Authorization: `Bearer ${hub.token}` }, ca: hub.ca }, (res) => {
      let bytes = 0;
      let buf = '';
      const closed = new Promise<void>((done) => {
        res.once('close', () => done());
        res.once('error', () => done());
      });
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!onLine) return;
        buf += chunk.toString('utf8');
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
      if (!read) res.pause(); // the attacker: the stream is open, nothing is ever read
      resolve({ res, closed, bytes: () => bytes });
    });
    r.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    r.end();
  });
}

describe('attack: watches that never read (real hub)', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  before(async function () {
    hub = await startHub({ extraArgs: ['--watch-memory-cap', String(CAP)] });
    api = apiClient(endpoint(hub));
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn' }, data: { blob: '' } };
    assert.equal((await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm })).status, 201);
  });
  after(async function () {
    await hub?.dispose();
  });

  it('cuts the slow watches at their share, keeps the total under the cap, and a reading watch gets every change', async function () {
    const slow = await Promise.all(Array.from({ length: SLOW }, () => openWatch(hub, false)));
    let lastSeen = '';
    const normal = await openWatch(hub, true, (line) => {
      const ev = JSON.parse(line) as { object: { data?: { seq?: string } } };
      lastSeen = ev.object.data?.seq ?? lastSeen;
    });
    const filler = 'x'.repeat(BLOB);
    for (let i = 1; i <= UPDATES; i++) {
      const r = await api('/api/v1/namespaces/default/configmaps/churn', { method: 'PATCH', body: { data: { blob: `${i}${filler}`, seq: String(i) } }, contentType: 'application/merge-patch+json' });
      assert.equal(r.status, 200, r.text);
    }
    await until('the reading watch saw the last change', () => lastSeen === String(UPDATES), 30_000);

    const drops = hub.logs.filter((l) => l.includes('"watch dropped"')).map((l) => JSON.parse(l) as { totalBufferedBytes: number; bufferedBytes: number; capBytes: number; shareBytes: number; watches: number });
    assert.equal(drops.length, SLOW, `each slow watch was dropped once: ${JSON.stringify(drops)}`);
    for (const d of drops) {
      assert.equal(d.capBytes, CAP);
      assert.ok(d.watches >= 2 && d.shareBytes <= CAP / d.watches, `share ${d.shareBytes} of ${d.watches} watches`);
      // At the moment of the drop the total is within the cap plus the one event that went over.
      assert.ok(d.totalBufferedBytes <= CAP + 2 * BLOB, `tracked total ${d.totalBufferedBytes} over the cap ${CAP}`);
    }
    // The slow streams were closed by the hub: reading what is left ends them, well short of everything.
    const sent = UPDATES * BLOB;
    for (const w of slow) w.res.resume();
    await Promise.all(slow.map((w) => w.closed));
    for (const w of slow) assert.ok(w.bytes() < sent / 2, `a slow watch got ${w.bytes()} of ${sent} bytes before it was cut`);
    assert.equal(normal.res.destroyed, false, 'the reading watch is still open');
    normal.res.destroy();
    assert.equal((await api('/readyz')).status, 200);
  });
});
