import assert from 'node:assert/strict';
import {
  ProtocolError,
  agentMayPublish,
  agentMaySubscribe,
  agentSubscriptions,
  bootstrapMayPublish,
  bootstrapMaySubscribe,
  channelOf,
  enrollTopic,
  generateEnrollClientId,
  hubSubscriptions,
  logsTopic,
  nodeClientId,
  nodeTopic,
  parseClientId,
  parseTopic,
} from '../../shared/protocol/index.js';
import type { ParsedTopic } from '../../shared/protocol/index.js';

const A = 'pi-a';
const B = 'pi-b';
const P = 'flotilla/v1';
const E1 = 'enroll:AAAAAAAAAAAAAAAAAAAAAA';
const E2 = 'enroll:BBBBBBBBBBBBBBBBBBBBBB';

describe('protocol/topics', () => {
  describe('builders and parseTopic round-trip', () => {
    const cases: [string, ParsedTopic][] = [
      [nodeTopic(A, 'desired'), { kind: 'node', node: A, channel: 'desired' }],
      [nodeTopic(A, 'cmd'), { kind: 'node', node: A, channel: 'cmd' }],
      [nodeTopic('edge.example.com', 'status'), { kind: 'node', node: 'edge.example.com', channel: 'status' }],
      [nodeTopic(A, 'hb'), { kind: 'node', node: A, channel: 'hb' }],
      [nodeTopic(A, 'presence'), { kind: 'node', node: A, channel: 'presence' }],
      [nodeTopic(A, 'events'), { kind: 'node', node: A, channel: 'events' }],
      [nodeTopic(A, 'pods'), { kind: 'node', node: A, channel: 'pods' }],
      [logsTopic(A, 's-1_X'), { kind: 'node', node: A, channel: 'logs', streamId: 's-1_X' }],
      [enrollTopic(E1, 'req'), { kind: 'enroll', clientId: E1, dir: 'req' }],
      [enrollTopic(E1, 'res'), { kind: 'enroll', clientId: E1, dir: 'res' }],
    ];
    for (const [topic, parsed] of cases) {
      it(`${topic}`, () => {
        assert.ok(topic.startsWith(`${P}/`));
        assert.deepEqual(parseTopic(topic), parsed);
      });
    }
    it('uses the documented layout', () => {
      assert.equal(nodeTopic(A, 'desired'), 'flotilla/v1/nodes/pi-a/desired');
      assert.equal(logsTopic(A, 'abc'), 'flotilla/v1/nodes/pi-a/logs/abc');
      assert.equal(enrollTopic(E1, 'req'), `flotilla/v1/enroll/${E1}/req`);
    });
  });

  describe('parseTopic refuses what is not ours', () => {
    const bad = [
      '',
      'flotilla',
      'flotilla/v2/nodes/pi-a/status',
      'other/v1/nodes/pi-a/status',
      'flotilla/v1/nodes/pi-a',
      'flotilla/v1/nodes/pi-a/unknown',
      'flotilla/v1/nodes/pi-a/status/extra',
      'flotilla/v1/nodes/PI-A/status',
      'flotilla/v1/nodes/+/status',
      'flotilla/v1/nodes/#',
      'flotilla/v1/nodes//status',
      'flotilla/v1/nodes/pi-a/logs',
      'flotilla/v1/nodes/pi-a/logs/a/b',
      'flotilla/v1/nodes/pi-a/logs/+',
      'flotilla/v1/enroll/abc/req',
      `flotilla/v1/enroll/${E1}/other`,
      `flotilla/v1/enroll/${E1}/req/x`,
      '$SYS/broker/clients',
    ];
    for (const t of bad) it(JSON.stringify(t), () => assert.equal(parseTopic(t), undefined));
  });

  describe('builders refuse names that could escape their level', () => {
    for (const name of ['+', '#', 'a/b', '', 'A', 'a+b', '-a']) {
      it(`nodeTopic(${JSON.stringify(name)})`, () => assert.throws(() => nodeTopic(name, 'status'), (e: unknown) => e instanceof ProtocolError && e.field === 'node'));
    }
    it('logsTopic refuses a bad stream id', () => assert.throws(() => logsTopic(A, 'a/b'), (e: unknown) => e instanceof ProtocolError && e.field === 'streamId'));
    it('enrollTopic refuses a non-enroll client id', () => assert.throws(() => enrollTopic('node:pi-a', 'req'), (e: unknown) => e instanceof ProtocolError && e.field === 'clientId'));
  });

  describe('ACL', () => {
    const table: [string, (who: string, t: string) => boolean, string, string, boolean][] = [
      // agent publish
      ['agent publishes own status', agentMayPublish, A, nodeTopic(A, 'status'), true],
      ['agent publishes own hb', agentMayPublish, A, nodeTopic(A, 'hb'), true],
      ['agent publishes own presence', agentMayPublish, A, nodeTopic(A, 'presence'), true],
      ['agent publishes own events', agentMayPublish, A, nodeTopic(A, 'events'), true],
      ['agent publishes own pods', agentMayPublish, A, nodeTopic(A, 'pods'), true],
      ['agent publishes own logs', agentMayPublish, A, logsTopic(A, 's1'), true],
      ['agent publishes another node status', agentMayPublish, A, nodeTopic(B, 'status'), false],
      ['agent publishes another node hb', agentMayPublish, A, nodeTopic(B, 'hb'), false],
      ['agent publishes own desired', agentMayPublish, A, nodeTopic(A, 'desired'), false],
      ['agent publishes own cmd', agentMayPublish, A, nodeTopic(A, 'cmd'), false],
      ['agent publishes another desired', agentMayPublish, A, nodeTopic(B, 'desired'), false],
      ['agent publishes an enroll req', agentMayPublish, A, enrollTopic(E1, 'req'), false],
      ['agent publishes to a wildcard', agentMayPublish, A, `${P}/nodes/+/status`, false],
      ['agent publishes outside the prefix', agentMayPublish, A, 'x/y', false],
      // agent subscribe
      ['agent subscribes own desired', agentMaySubscribe, A, nodeTopic(A, 'desired'), true],
      ['agent subscribes own cmd', agentMaySubscribe, A, nodeTopic(A, 'cmd'), true],
      ['agent subscribes another desired', agentMaySubscribe, A, nodeTopic(B, 'desired'), false],
      ['agent subscribes another cmd', agentMaySubscribe, A, nodeTopic(B, 'cmd'), false],
      ['agent subscribes own status', agentMaySubscribe, A, nodeTopic(A, 'status'), false],
      ['agent subscribes + desired', agentMaySubscribe, A, `${P}/nodes/+/desired`, false],
      ['agent subscribes own #', agentMaySubscribe, A, `${P}/nodes/${A}/#`, false],
      ['agent subscribes own +', agentMaySubscribe, A, `${P}/nodes/${A}/+`, false],
      ['agent subscribes #', agentMaySubscribe, A, '#', false],
      ['agent subscribes $SYS', agentMaySubscribe, A, '$SYS/#', false],
      ['agent subscribes shared desired', agentMaySubscribe, A, `$share/g/${P}/nodes/${A}/desired`, false],
      ['agent subscribes enroll res', agentMaySubscribe, A, enrollTopic(E1, 'res'), false],
      ['invalid node name cannot subscribe', agentMaySubscribe, '+', `${P}/nodes/+/desired`, false],
      // bootstrap
      ['bootstrap publishes own req', bootstrapMayPublish, E1, enrollTopic(E1, 'req'), true],
      ['bootstrap publishes another req', bootstrapMayPublish, E1, enrollTopic(E2, 'req'), false],
      ['bootstrap publishes own res', bootstrapMayPublish, E1, enrollTopic(E1, 'res'), false],
      ['bootstrap publishes a node status', bootstrapMayPublish, E1, nodeTopic(A, 'status'), false],
      ['bootstrap subscribes own res', bootstrapMaySubscribe, E1, enrollTopic(E1, 'res'), true],
      ['bootstrap subscribes another res', bootstrapMaySubscribe, E1, enrollTopic(E2, 'res'), false],
      ['bootstrap subscribes own req', bootstrapMaySubscribe, E1, enrollTopic(E1, 'req'), false],
      ['bootstrap subscribes + res', bootstrapMaySubscribe, E1, `${P}/enroll/+/res`, false],
      ['bootstrap subscribes a desired', bootstrapMaySubscribe, E1, nodeTopic(A, 'desired'), false],
      ['bad bootstrap id', bootstrapMaySubscribe, 'enroll:x', `${P}/enroll/enroll:x/res`, false],
    ];
    for (const [name, fn, who, topic, allowed] of table) {
      it(`${allowed ? 'allows' : 'refuses'}: ${name}`, () => assert.equal(fn(who, topic), allowed));
    }
    it('every agentSubscriptions() filter is allowed for that node only', () => {
      for (const f of agentSubscriptions(A)) {
        assert.ok(agentMaySubscribe(A, f));
        assert.ok(!agentMaySubscribe(B, f));
      }
    });
  });

  it('hubSubscriptions match every agent publish channel', () => {
    assert.deepEqual(hubSubscriptions(), [
      `${P}/nodes/+/status`,
      `${P}/nodes/+/hb`,
      `${P}/nodes/+/presence`,
      `${P}/nodes/+/events`,
      `${P}/nodes/+/pods`,
      `${P}/nodes/+/logs/+`,
      `${P}/nodes/+/metrics`,
      `${P}/nodes/+/stream-out`,
      `${P}/enroll/+/req`,
    ]);
  });

  it('channelOf maps parsed topics to decoder channels', () => {
    const of = (t: string): string | undefined => {
      const p = parseTopic(t);
      return p && channelOf(p);
    };
    assert.equal(of(nodeTopic(A, 'hb')), 'hb');
    assert.equal(of(logsTopic(A, 'x')), 'logs');
    assert.equal(of(enrollTopic(E1, 'req')), 'enroll-req');
    assert.equal(of(enrollTopic(E1, 'res')), 'enroll-res');
    assert.equal(of(nodeTopic(A, 'desired')), 'desired');
  });

  describe('client ids', () => {
    it('node client id round-trips', () => {
      assert.equal(nodeClientId(A), 'node:pi-a');
      assert.deepEqual(parseClientId('node:pi-a'), { kind: 'node', node: A });
    });
    it('generated enroll client ids are valid and usable in topics', () => {
      const id = generateEnrollClientId();
      assert.deepEqual(parseClientId(id), { kind: 'enroll', clientId: id });
      assert.deepEqual(parseTopic(enrollTopic(id, 'req')), { kind: 'enroll', clientId: id, dir: 'req' });
      assert.notEqual(id, generateEnrollClientId());
    });
    for (const bad of ['node:', 'node:PI', 'node:a/b', 'enroll:short', 'enroll:has space in it here', 'mqttjs_1234', '']) {
      it(`parseClientId refuses ${JSON.stringify(bad)}`, () => assert.equal(parseClientId(bad), undefined));
    }
  });
});
