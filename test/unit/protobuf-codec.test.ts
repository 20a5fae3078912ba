/** Kubernetes protobuf bodies: what kubectl 1.32 sends decodes as Kubernetes reads it, and objects survive a round trip. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KIND_SCHEMAS, type Schema } from '../../shared/api/schema/index.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import { decodeMessage, encodeMessage } from '../../server/apiserver/protobuf/codec.js';
import type { Field, FieldType, Message, Scalar } from '../../server/apiserver/protobuf/dsl.js';
import { decodeProtobuf, encodeProtobuf, kindMessage, protobufKinds } from '../../server/apiserver/protobuf/index.js';
import { ConfigMap, ControllerRevision, DaemonSet, Event, Namespace, Node, Secret } from '../../server/apiserver/protobuf/kind-messages.js';
import { Pod } from '../../server/apiserver/protobuf/pod-messages.js';
import { ApiError } from '../../shared/api/errors.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kubectl-protobuf');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, `${name}.bin`));
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('protobuf bodies recorded from kubectl 1.32', function () {
  it('create configmap', function () {
    assert.deepEqual(decodeProtobuf(fixture('create-configmap')), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { level: '3', mode: 'edge' },
    });
  });

  it('create secret generic: data values are bytes, base64 in JSON', function () {
    assert.deepEqual(decodeProtobuf(fixture('create-secret-generic')), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { pass: b64('not-a-secret'), user: b64('demo') },
    });
  });

  it('create secret docker-registry', function () {
    const s = decodeProtobuf(fixture('create-secret-docker-registry'));
    assert.equal(s['type'], 'kubernetes.io/dockerconfigjson');
    const data = s['data'] as Record<string, string>;
    const config = JSON.parse(Buffer.from(data['.dockerconfigjson'] ?? '', 'base64').toString()) as { auths: Record<string, { username: string }> };
    assert.equal(config.auths['127.0.0.1:5001']?.username, 'demo');
  });

  it('create namespace: empty spec and status stay objects', function () {
    assert.deepEqual(decodeProtobuf(fixture('create-namespace')), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'fixtures' },
      spec: {},
      status: {},
    });
  });

  it('auth can-i and auth whoami', function () {
    assert.deepEqual(decodeProtobuf(fixture('auth-can-i')), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
      status: { allowed: false },
    });
    assert.deepEqual(decodeProtobuf(fixture('auth-whoami')), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
      status: { userInfo: {} },
    });
  });

  it('re-encoding a recorded body decodes to the same object', function () {
    for (const name of ['create-configmap', 'create-secret-generic', 'create-secret-docker-registry', 'create-namespace', 'auth-can-i', 'auth-whoami']) {
      const obj = decodeProtobuf(fixture(name));
      assert.deepEqual(decodeProtobuf(encodeProtobuf(obj)), obj, name);
    }
  });
});

describe('protobuf bad input', function () {
  const refused = (buf: Buffer, re: RegExp): void => {
    assert.throws(() => decodeProtobuf(buf), (e: unknown) => e instanceof ApiError && e.code === 400 && re.test(e.message));
  };
  it('refuses a body without the magic, truncated bytes and unknown kinds with a 400 that says why', function () {
    refused(Buffer.from('{"kind":"Pod"}'), /magic/);
    const good = fixture('create-configmap');
    refused(good.subarray(0, good.length - 5), /not valid Kubernetes protobuf/);
    const other = Buffer.from(good);
    other.write('Servic', 12); // kind "ConfigMap" → "ServicMap"
    refused(other, /kind "ServicMap" is not supported/);
  });
  it('refuses field numbers Flotilla does not serve (an nfs volume) instead of dropping them', function () {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'v', emptyDir: {} }] } };
    const buf = encodeProtobuf(pod);
    // VolumeSource.emptyDir (field 2) → nfs (field 7): same wire type, a source the hub does not run.
    const at = buf.indexOf(Buffer.from([0x12, 0x00]), buf.indexOf(Buffer.from('v')));
    buf[at] = 0x3a;
    refused(buf, /VolumeSource field 7/);
  });
  it('refuses absurd nesting without overflowing the stack', function () {
    let inner = Buffer.alloc(0);
    for (let i = 0; i < 200; i++) inner = Buffer.concat([Buffer.from([0x0a, inner.length]).subarray(0, 1), encodeLen(inner.length), inner]);
    assert.throws(() => decodeMessage(inner, selfNested));
  });
});

function encodeLen(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
const selfNested: Message = { name: 'Nested', fields: [{ json: 'x', num: 1, type: { msg: () => selfNested }, repeated: false, keepZero: false, inline: false }] };

// ---- round trip over random objects drawn from the tables ----

/** A tiny deterministic PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomScalar(t: Scalar, r: () => number): unknown {
  const n = 1 + Math.floor(r() * 1000);
  switch (t) {
    case 'string':
      return ['a', 'edge', 'ünïcode', 'x'.repeat(200)][Math.floor(r() * 4)] ?? 'a';
    case 'bytes':
      return b64(`bytes-${n}`);
    case 'int32':
      return r() < 0.2 ? -n : n;
    case 'int64':
      return r() < 0.1 ? 2 ** 40 + n : n;
    case 'bool':
      return true;
    case 'time':
      return new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'microTime':
      return new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    case 'quantity':
      return ['100m', '64Mi', '1', '2Gi'][Math.floor(r() * 4)];
    case 'intOrString':
      return r() < 0.5 ? n : `port-${n}`;
    case 'raw':
    case 'fieldsV1':
      return { 'f:metadata': { 'f:labels': { [`f:k${n}`]: {} } } };
    case 'stringList':
      return [`v${n}`];
  }
}

function randomValue(t: FieldType, r: () => number, depth: number): unknown {
  if (typeof t === 'object' && 'msg' in t) return randomObject(t.msg(), r, depth + 1);
  if (typeof t === 'object') return { [`k${Math.floor(r() * 9)}`]: randomScalar(t.map, r), z: randomScalar(t.map, r) };
  return randomScalar(t, r);
}

function randomObject(msg: Message, r: () => number, depth: number): JsonObject {
  const out: JsonObject = {};
  for (const f of msg.fields) {
    if (depth > 6 || r() < 0.4) continue;
    if (f.inline) Object.assign(out, randomObject((f.type as { msg: () => Message }).msg(), r, depth));
    else if (f.repeated) out[f.json] = [randomValue(f.type, r, depth), randomValue(f.type, r, depth)];
    else out[f.json] = randomValue(f.type, r, depth);
  }
  return out;
}

describe('protobuf round trip', function () {
  const kinds: [string, Message][] = [['Pod', Pod], ['Node', Node], ['Namespace', Namespace], ['ConfigMap', ConfigMap], ['Secret', Secret], ['Event', Event], ['DaemonSet', DaemonSet], ['ControllerRevision', ControllerRevision]];
  it('decode(encode(x)) is x for 400 random objects of every served kind', function () {
    for (let seed = 1; seed <= 50; seed++) {
      for (const [kind, msg] of kinds) {
        const obj = randomObject(msg, rng(seed * 31 + kind.length), 0);
        const back = decodeMessage(encodeMessage(obj, msg, kind), msg);
        assert.deepEqual(back, obj, `${kind} seed ${seed}`);
      }
    }
  });
  it('zero values of pointer fields survive (terminationGracePeriodSeconds: 0, exitCode 0)', function () {
    const pod = { metadata: { name: 'p' }, spec: { terminationGracePeriodSeconds: 0, containers: [] }, status: { containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } }] } };
    assert.deepEqual(decodeMessage(encodeMessage(pod, Pod, 'Pod'), Pod), { ...pod, spec: { terminationGracePeriodSeconds: 0 } });
  });
  it('serves every kind and list a client can ask for', function () {
    for (const k of ['Pod', 'PodList', 'Node', 'NodeList', 'Namespace', 'ConfigMap', 'Secret', 'Event', 'DaemonSet', 'ControllerRevisionList', 'Status', 'DeleteOptions', 'Eviction']) {
      assert.ok(protobufKinds().includes(k), k);
    }
  });
});

describe('protobuf tables cover the served schemas', function () {
  /** Paths the schema knows but protobuf deliberately has no number for: volume sources a device does not run. */
  function missing(schema: Schema, msg: Message, path: string): string[] {
    if (schema.type !== 'object') return [];
    const byJson = new Map<string, Field>();
    const add = (m: Message): void => m.fields.forEach((f) => (f.inline ? add((f.type as { msg: () => Message }).msg()) : byJson.set(f.json, f)));
    add(msg);
    const out: string[] = [];
    for (const [name, sub] of schema.fields) {
      if (name === 'apiVersion' || name === 'kind') continue;
      const f = byJson.get(name);
      if (!f) {
        out.push(`${path}.${name}`);
        continue;
      }
      const inner = sub.type === 'list' ? sub.items : sub;
      if (isRecord(f.type) && 'msg' in f.type && inner.type === 'object') out.push(...missing(inner, f.type.msg(), `${path}.${name}`));
    }
    return out;
  }
  it('every field of every served kind has a protobuf number, except volume sources devices do not run', function () {
    const gaps = [...KIND_SCHEMAS].flatMap(([kind, schema]) => {
      const msg = kindMessage(kind);
      return msg ? missing(schema, msg, kind) : [`${kind} (no message)`];
    });
    const unexpected = gaps.filter((p) => !/\.volumes\.[a-zA-Z]+$/.test(p));
    assert.ok(gaps.includes("Pod.spec.volumes.nfs"), "the walk reaches volume sources");
    assert.deepEqual(unexpected, []);
  });
});
