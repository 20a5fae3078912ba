import assert from 'node:assert/strict';
import { agentSubscriptions, nodeTopic } from '../../shared/protocol/index.js';
import { failAttempt, flush, harness, NODE, presenceState, retry, started } from '../support/link-rig.js';

describe('agent link: state machine', () => {
  it('idle → connecting → online, with a persistent session, the offline will, exact subscriptions and presence online', async () => {
    const h = harness();
    assert.equal(h.link.state, 'idle');
    await started(h);
    assert.equal(h.link.state, 'connecting');
    const c = h.conn();
    assert.equal(c.opts.clientId, 'node:pi-a');
    assert.equal(c.opts.username, 'pi-a');
    assert.equal(c.opts.password, 'pw-1');
    assert.equal(c.opts.clean, false);
    assert.equal(c.opts.will?.topic, nodeTopic(NODE, 'presence'));
    assert.equal(c.opts.will.qos, 1);
    assert.equal(c.opts.will.retain, false);
    assert.deepEqual(JSON.parse(c.opts.will.payload.toString()), { v: 1, t: 'presence', state: 'offline', agentVersion: '0.1.0', bootId: 'boot-1' });

    await h.online();
    assert.deepEqual(c.subscribed, [agentSubscriptions(NODE)]);
    assert.deepEqual(c.published.map((p) => [p.topic, presenceState(p.payload), p.opts.qos, p.opts.retain]), [
      [nodeTopic(NODE, 'presence'), 'online', 1, false],
    ]);
    assert.deepEqual(h.states.map((s) => s.state), ['connecting', 'online']);
    assert.deepEqual(h.creds.calls, ['next:1', 'accepted']);
  });

  it('logs every transition with from, to and the error', async () => {
    const h = harness();
    await started(h);
    await failAttempt(h);
    const lines = h.logs.filter((l) => l.msg === 'link state');
    assert.deepEqual(lines.map((l) => [l.from, l.to]), [
      ['idle', 'connecting'],
      ['connecting', 'backoff'],
    ]);
    assert.match(String(lines[1]?.error), /ECONNREFUSED/);
    assert.equal(lines[1]?.level, 'warn');
  });

  it('re-subscribes on every connect (the broker then resends the retained desired document)', async () => {
    const h = harness();
    await started(h);
    await h.online();
    h.conn().close();
    await flush();
    assert.equal(h.link.state, 'backoff');
    await retry(h, h.link.status().retryInMs ?? 0);
    await h.online();
    assert.equal(h.conns.length, 2);
    for (const c of h.conns) assert.deepEqual(c.subscribed, [agentSubscriptions(NODE)]);
    assert.equal(h.conns[1]?.opts.password, 'pw-2', 'fresh credentials for every attempt');
  });

  it('forwards messages of the current connection only', async () => {
    const h = harness();
    const got: string[] = [];
    h.link.onMessage((topic, payload) => got.push(`${topic}=${payload.toString()}`));
    await started(h);
    await h.online();
    const first = h.conn();
    first.deliver(nodeTopic(NODE, 'cmd'), 'a');
    first.close();
    await flush();
    first.deliver(nodeTopic(NODE, 'cmd'), 'stale');
    assert.deepEqual(got, [`${nodeTopic(NODE, 'cmd')}=a`]);
  });

  it('sends only while online, with the protocol QoS and never retained', async () => {
    const h = harness();
    await started(h);
    const offline = await h.link.send('hb', { v: 1, t: 'hb', s: 0, h: '0123abcd' });
    assert.equal(offline.delivered, false);
    assert.match(offline.error ?? '', /connecting/);
    await h.online();
    const hb = await h.link.send('hb', { v: 1, t: 'hb', s: 1, h: '0123abcd' });
    assert.equal(hb.delivered, true);
    assert.equal(hb.payloadBytes, Buffer.byteLength('{"v":1,"t":"hb","s":1,"h":"0123abcd"}'));
    // fixed header 2 + topic length 2 + topic + payload
    assert.equal(hb.packetBytes, 2 + 2 + nodeTopic(NODE, 'hb').length + hb.payloadBytes);
    await h.link.send('events', { v: 1, t: 'events', events: [] });
    const sent = h.conn().published.slice(1).map((p) => [p.topic.split('/').at(-1), p.opts.qos, p.opts.retain]);
    assert.deepEqual(sent, [
      ['hb', 0, false],
      ['events', 1, false],
    ]);
  });

  it('a refused subscription is a failed attempt', async () => {
    const h = harness();
    await started(h);
    h.conn().grant = 128;
    h.conn().accept();
    await flush();
    const s = h.link.status();
    assert.equal(s.state, 'backoff');
    assert.match(s.lastError ?? '', /refused subscription/);
    assert.equal(h.conns[0]?.ended, true);
  });

  it('gives up an attempt that gets no CONNACK within the connect timeout', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    await started(h);
    h.clock.advance(4999);
    assert.equal(h.link.state, 'connecting');
    h.clock.advance(1);
    await flush();
    assert.equal(h.link.state, 'backoff');
    assert.match(h.link.status().lastError ?? '', /no CONNACK/);
    assert.equal(h.conns[0]?.ended, true);
  });

  it('an auth refusal (CONNACK 5) is reported to the credentials before the next attempt', async () => {
    const h = harness();
    await started(h);
    h.conn().refuse(5);
    await flush();
    const s = h.link.status();
    assert.equal(s.state, 'backoff');
    assert.deepEqual(s.lastErrorDetail, { kind: 'refused', code: 5, message: 'Not authorized' });
    await retry(h, s.retryInMs ?? 0);
    assert.deepEqual(h.creds.calls, ['next:1', 'refused:5', `next:${2 ** 32 + 2}`]);
    assert.equal(h.conn().opts.password, `pw-${2 ** 32 + 2}`);
  });

  it('a CONNACK 3 (server unavailable) is not an auth refusal', async () => {
    const h = harness();
    await started(h);
    h.conn().refuse(3);
    await flush();
    assert.deepEqual(h.creds.calls, ['next:1']);
  });

  it('stop() while online says offline (QoS 1), disconnects cleanly and stays stopped', async () => {
    const h = harness();
    await started(h);
    await h.online();
    await h.link.stop();
    const c = h.conn();
    const last = c.published.at(-1);
    assert.equal(last?.topic, nodeTopic(NODE, 'presence'));
    assert.equal(presenceState(last.payload), 'offline');
    assert.deepEqual(last.opts, { qos: 1, retain: false });
    assert.equal(c.ended, false, 'a clean DISCONNECT, so the broker drops the will');
    assert.equal(h.link.state, 'stopped');
    c.close();
    await flush();
    h.clock.advance(10 * 60_000);
    await flush();
    assert.equal(h.conns.length, 1);
    assert.equal(h.link.state, 'stopped');
  });

  it('stop() during backoff cancels the retry', async () => {
    const h = harness();
    await started(h);
    await failAttempt(h);
    await h.link.stop();
    assert.equal(h.clock.pendingTimers, 0);
    h.clock.advance(10 * 60_000);
    await flush();
    assert.equal(h.conns.length, 1);
    assert.deepEqual(h.states.map((s) => s.state), ['connecting', 'backoff', 'stopped']);
  });
});
