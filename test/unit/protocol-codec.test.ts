import assert from 'node:assert/strict';
import { toBase64 } from '../../shared/crypto/index.js';
import {
  DEFAULT_DECODE_LIMITS,
  ProtocolError,
  decodeAgentMessage,
  decodeHubMessage,
  encode,
  generateBootstrapToken,
  statusHash,
} from '../../shared/protocol/index.js';
import type { AgentChannel, HeartbeatMessage, HubChannel, StatusMessage } from '../../shared/protocol/index.js';

type Json = Record<string, unknown>;
const bytes = (v: unknown): Uint8Array => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v instanceof Uint8Array ? v : Buffer.from(JSON.stringify(v), 'utf8'));
const clone = <T>(v: T): T => structuredClone(v);

/** A deep copy of `base` with `set` applied at a dotted/indexed path (undefined deletes). */
function withField(base: Json, path: (string | number)[], value: unknown): Json {
  const out = clone(base);
  let cur: unknown = out;
  for (const p of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[p];
  const last = path[path.length - 1] ?? '';
  const obj = cur as Record<string | number, unknown>;
  if (value === undefined) delete obj[last];
  else obj[last] = value;
  return out;
}

const status: StatusMessage['status'] = {
  conditions: [
    { type: 'Ready', status: 'True', reason: 'AgentReady', message: 'ok', lastHeartbeatTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' },
    { type: 'MemoryPressure', status: 'False' },
  ],
  addresses: [{ type: 'InternalIP', address: '192.168.1.20' }, { type: 'Hostname', address: 'pi-a' }],
  capacity: { cpu: '4', memory: '3884Mi', pods: '110' },
  allocatable: { cpu: '3800m', memory: '3500Mi', pods: '110' },
  nodeInfo: { architecture: 'arm64', operatingSystem: 'linux', kernelVersion: '6.6.20-v8+', osImage: 'Debian GNU/Linux 12', bootID: 'b-1' },
};
const labels = { 'kubernetes.io/arch': 'arm64', 'kubernetes.io/hostname': 'pi-a', tier: '' };
const STATUS: Json = { v: 1, t: 'status', hash: statusHash({ status, labels }), status, labels };
const HB: Json = { v: 1, t: 'hb', s: 42, h: 'deadbeef' };
const PRESENCE: Json = { v: 1, t: 'presence', state: 'online', agentVersion: '0.1.0', bootId: 'abc' };
const EVENTS: Json = {
  v: 1,
  t: 'events',
  events: [{ type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', involved: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1' }, count: 3 }],
};
const PODS: Json = { v: 1, t: 'pods', pods: [{ uid: 'u1', namespace: 'default', name: 'web-1', status: { phase: 'Running' } }] };
const KEY = toBase64(new Uint8Array(32).fill(1));
const TOKEN = generateBootstrapToken();
const ENROLL: Json = { v: 1, t: 'enrollReq', token: TOKEN, nodeName: 'pi-a', signingKey: KEY, boxKey: KEY, agentVersion: '0.1.0', arch: 'arm64' };
const LOG: Json = { v: 1, t: 'logChunk', streamId: 's1', seq: 0, data: 'hello\n' };

describe('protocol/codec', () => {
  describe('decodes good payloads to the same typed value', () => {
    const good: [AgentChannel, Json][] = [
      ['status', STATUS],
      ['hb', HB],
      ['presence', PRESENCE],
      ['presence', { v: 1, t: 'presence', state: 'offline' }],
      ['events', EVENTS],
      ['events', { v: 1, t: 'events', events: [] }],
      ['pods', PODS],
      ['enroll-req', ENROLL],
      ['logs', LOG],
      ['logs', { ...LOG, eof: true }],
    ];
    for (const [channel, msg] of good) {
      it(`${channel}: ${JSON.stringify(msg).slice(0, 70)}`, () => {
        assert.deepEqual(decodeAgentMessage(channel, bytes(msg)), msg);
      });
    }
    const hubGood: [HubChannel, Json][] = [
      ['cmd', { v: 1, t: 'cmd', cmd: 'sendStatus' }],
      ['cmd', { v: 1, t: 'cmd', cmd: 'logs', streamId: 's1', namespace: 'default', pod: 'web-1', container: 'app', follow: true, tailLines: 100 }],
      ['cmd', { v: 1, t: 'cmd', cmd: 'logsStop', streamId: 's1' }],
      ['enroll-res', { v: 1, t: 'enrollRes', ok: true, nodeName: 'pi-a', hubKey: KEY }],
      ['enroll-res', { v: 1, t: 'enrollRes', ok: false, reason: 'invalid-token', message: 'token expired' }],
    ];
    for (const [channel, msg] of hubGood) {
      it(`${channel}: ${JSON.stringify(msg).slice(0, 70)}`, () => {
        assert.deepEqual(decodeHubMessage(channel, bytes(msg)), msg);
      });
    }
  });

  it('types the result by channel', () => {
    const hb: HeartbeatMessage = decodeAgentMessage('hb', bytes(HB));
    assert.equal(hb.s, 42);
  });

  it('encodes a heartbeat in at most 64 bytes, even with a large seq', () => {
    const hb: HeartbeatMessage = { v: 1, t: 'hb', s: Number.MAX_SAFE_INTEGER, h: 'deadbeef' };
    const wire = encode(hb);
    assert.ok(wire.length <= 64, `heartbeat is ${wire.length} bytes`);
    assert.deepEqual(decodeAgentMessage('hb', wire), hb);
  });

  it('drops unknown fields instead of carrying them through', () => {
    const msg = { ...HB, extra: 'x' };
    assert.deepEqual(decodeAgentMessage('hb', bytes(msg)), HB);
    const s = decodeAgentMessage('status', bytes(withField(STATUS, ['status', 'nodeInfo', 'swap'], { capacity: 1 })));
    assert.equal('swap' in s.status.nodeInfo, false);
  });

  it('an error on logChunk implies eof', () => {
    assert.equal(decodeAgentMessage('logs', bytes({ ...LOG, error: 'no such container' })).eof, true);
  });

  it('statusHash is 8 hex and changes with the content', () => {
    const h = statusHash({ status, labels });
    assert.match(h, /^[0-9a-f]{8}$/);
    assert.equal(h, statusHash({ labels: clone(labels), status: clone(status) }));
    assert.notEqual(h, statusHash({ status, labels: { ...labels, tier: 'x' } }));
  });

  describe('refuses bad payloads, naming the field', () => {
    const big = 'x'.repeat(DEFAULT_DECODE_LIMITS.maxBytes);
    const table: [string, AgentChannel, unknown, string, RegExp?][] = [
      ['oversized status', 'status', { ...STATUS, pad: big }, 'payload', /exceeds the limit/],
      ['oversized heartbeat (small limit)', 'hb', { ...HB, pad: 'x'.repeat(600) }, 'payload', /exceeds the limit of 512/],
      ['empty payload', 'hb', new Uint8Array(0), 'payload', /empty/],
      ['invalid UTF-8', 'hb', Uint8Array.from([0x7b, 0xff, 0x7d]), 'payload', /UTF-8/],
      ['JSON syntax error', 'hb', '{"v":1,', 'payload', /invalid JSON/],
      ['JSON array', 'hb', [1, 2], 'payload', /expected object, got array/],
      ['JSON null', 'hb', 'null', 'payload', /expected object, got null/],
      ['missing v', 'hb', { ...HB, v: undefined }, 'v', /required/],
      ['string v', 'hb', { ...HB, v: '1' }, 'v', /expected integer, got string/],
      ['unsupported version', 'hb', { ...HB, v: 2 }, 'v', /unsupported protocol version 2/],
      ['missing t', 'hb', { ...HB, t: undefined }, 't', /required/],
      ['t of another channel', 'hb', { ...HB, t: 'status' }, 't', /expected "hb" on the hb channel, got "status"/],
      ['heartbeat seq negative', 'hb', { ...HB, s: -1 }, 's', /at least 0/],
      ['heartbeat seq fractional', 'hb', { ...HB, s: 1.5 }, 's', /expected integer/],
      ['heartbeat hash not hex', 'hb', { ...HB, h: 'DEADBEEF' }, 'h', /8 lowercase hex/],
      ['status hash missing', 'status', { ...STATUS, hash: undefined }, 'hash', /required/],
      ['status not an object', 'status', { ...STATUS, status: [] }, 'status', /expected object, got array/],
      ['capacity value a number', 'status', withField(STATUS, ['status', 'capacity', 'cpu'], 4), 'status.capacity[cpu]', /expected string, got number/],
      ['capacity value not a quantity', 'status', withField(STATUS, ['status', 'capacity', 'memory'], 'lots'), 'status.capacity[memory]', /quantit/],
      ['allocatable negative', 'status', withField(STATUS, ['status', 'allocatable', 'cpu'], '-1'), 'status.allocatable[cpu]', /greater than or equal to 0/],
      ['capacity resource name invalid', 'status', withField(STATUS, ['status', 'capacity', 'bad name!'], '1'), 'status.capacity[bad name!]'],
      ['capacity missing', 'status', withField(STATUS, ['status', 'capacity'], undefined), 'status.capacity', /required/],
      ['condition status invalid', 'status', withField(STATUS, ['status', 'conditions', 1, 'status'], 'Maybe'), 'status.conditions[1].status', /"True", "False", "Unknown"/],
      ['condition type missing', 'status', withField(STATUS, ['status', 'conditions', 0, 'type'], undefined), 'status.conditions[0].type', /required/],
      ['condition type duplicated', 'status', withField(STATUS, ['status', 'conditions', 1, 'type'], 'Ready'), 'status.conditions[1].type', /duplicate/],
      ['condition reason a number', 'status', withField(STATUS, ['status', 'conditions', 0, 'reason'], 1), 'status.conditions[0].reason', /expected string/],
      ['condition time not RFC 3339', 'status', withField(STATUS, ['status', 'conditions', 0, 'lastTransitionTime'], 'yesterday'), 'status.conditions[0].lastTransitionTime', /RFC 3339/],
      ['conditions not an array', 'status', withField(STATUS, ['status', 'conditions'], {}), 'status.conditions', /expected array, got object/],
      ['address missing', 'status', withField(STATUS, ['status', 'addresses', 0, 'address'], undefined), 'status.addresses[0].address', /required/],
      ['nodeInfo field a number', 'status', withField(STATUS, ['status', 'nodeInfo', 'architecture'], 64), 'status.nodeInfo.architecture', /expected string, got number/],
      ['kubelet port out of range', 'status', withField(STATUS, ['status', 'daemonEndpoints'], { kubeletEndpoint: { Port: 70000 } }), 'status.daemonEndpoints.kubeletEndpoint.Port', /between 0 and 65535/],
      ['label key invalid', 'status', withField(STATUS, ['labels', '-bad'], 'x'), 'labels[-bad]'],
      ['label value invalid', 'status', withField(STATUS, ['labels', 'tier'], 'has space'), 'labels[tier]', /valid label/],
      ['label value a number', 'status', withField(STATUS, ['labels', 'tier'], 1), 'labels[tier]', /expected string, got number/],
      ['annotation value a bool', 'status', { ...STATUS, annotations: { a: true } }, 'annotations[a]', /expected string, got boolean/],
      ['presence state unknown', 'presence', { ...PRESENCE, state: 'away' }, 'state', /"online", "offline"/],
      ['events not an array', 'events', { ...EVENTS, events: 'x' }, 'events', /expected array/],
      ['too many events', 'events', { ...EVENTS, events: Array.from({ length: 101 }, () => (EVENTS.events as unknown[])[0]) }, 'events', /at most 100 items/],
      ['event type invalid', 'events', withField(EVENTS, ['events', 0, 'type'], 'Error'), 'events[0].type'],
      ['event reason too long', 'events', withField(EVENTS, ['events', 0, 'reason'], 'r'.repeat(129)), 'events[0].reason', /at most 128/],
      ['event involved name invalid', 'events', withField(EVENTS, ['events', 0, 'involved', 'name'], 'Web_1'), 'events[0].involved.name'],
      ['event count zero', 'events', withField(EVENTS, ['events', 0, 'count'], 0), 'events[0].count', /at least 1/],
      ['too many pods', 'pods', { ...PODS, pods: Array.from({ length: 257 }, () => (PODS.pods as unknown[])[0]) }, 'pods', /at most 256 items/],
      ['pod status not an object', 'pods', withField(PODS, ['pods', 0, 'status'], 'Running'), 'pods[0].status', /expected object, got string/],
      ['pod namespace invalid', 'pods', withField(PODS, ['pods', 0, 'namespace'], 'a.b'), 'pods[0].namespace', /dots/],
      ['enroll token malformed', 'enroll-req', { ...ENROLL, token: 'abcdef.short' }, 'token', /not a bootstrap token/],
      ['enroll signing key 31 bytes', 'enroll-req', { ...ENROLL, signingKey: toBase64(new Uint8Array(31)) }, 'signingKey', /expected 32 bytes, got 31/],
      ['enroll box key not base64', 'enroll-req', { ...ENROLL, boxKey: 'nope!' }, 'boxKey', /base64/],
      ['enroll node name invalid', 'enroll-req', { ...ENROLL, nodeName: 'Pi_A' }, 'nodeName'],
      ['log stream id invalid', 'logs', { ...LOG, streamId: 'a/b' }, 'streamId'],
      ['log eof false with error', 'logs', { ...LOG, eof: false, error: 'x' }, 'eof'],
    ];
    for (const [name, channel, payload, field, message] of table) {
      it(`${name} → ${field}`, () => {
        assert.throws(
          () => decodeAgentMessage(channel, bytes(payload)),
          (e: unknown) => {
            assert.ok(e instanceof ProtocolError, `expected ProtocolError, got ${String(e)}`);
            assert.equal(e.field, field, e.message);
            assert.ok(e.message.startsWith(`${field}: `), e.message);
            if (message) assert.match(e.message, message);
            return true;
          },
        );
      });
    }
    it(`has at least 25 cases (${table.length})`, () => assert.ok(table.length >= 25));

    it('never echoes the bootstrap token', () => {
      const secret = 'abcdef.0123456789abcdeX';
      try {
        decodeAgentMessage('enroll-req', bytes({ ...ENROLL, token: secret }));
        assert.fail('accepted');
      } catch (e) {
        assert.ok(e instanceof ProtocolError);
        assert.ok(!e.message.includes('0123456789'), e.message);
      }
    });

    const hubBad: [string, HubChannel, unknown, string][] = [
      ['unknown command', 'cmd', { v: 1, t: 'cmd', cmd: 'rm -rf' }, 'cmd'],
      ['logs without pod', 'cmd', { v: 1, t: 'cmd', cmd: 'logs', streamId: 's', namespace: 'default' }, 'pod'],
      ['logs negative tail', 'cmd', { v: 1, t: 'cmd', cmd: 'logs', streamId: 's', namespace: 'd', pod: 'p', tailLines: -1 }, 'tailLines'],
      ['enrollRes ok without hubKey', 'enroll-res', { v: 1, t: 'enrollRes', ok: true, nodeName: 'pi-a' }, 'hubKey'],
      ['enrollRes ok not boolean', 'enroll-res', { v: 1, t: 'enrollRes', ok: 'yes' }, 'ok'],
      ['enrollRes on cmd channel', 'cmd', { v: 1, t: 'enrollRes', ok: false, reason: 'x', message: '' }, 't'],
    ];
    for (const [name, channel, payload, field] of hubBad) {
      it(`hub message: ${name} → ${field}`, () => {
        assert.throws(() => decodeHubMessage(channel, bytes(payload)), (e: unknown) => e instanceof ProtocolError && e.field === field);
      });
    }
  });

  it('respects custom limits', () => {
    const limits = { ...DEFAULT_DECODE_LIMITS, maxPods: 1 };
    const two = { ...PODS, pods: [(PODS.pods as unknown[])[0], (PODS.pods as unknown[])[0]] };
    assert.throws(() => decodeAgentMessage('pods', bytes(two), limits), /pods: must have at most 1 items/);
    assert.equal(decodeAgentMessage('pods', bytes(two)).pods.length, 2);
  });
});
