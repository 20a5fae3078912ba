/**
 * The desired-state document the hub publishes (retained) for each node, and its signed envelope:
 *
 *   { v: 1, t: 'desired', payload: base64url(canonical JSON of DesiredState),
 *     sig: base64url(Ed25519 over "flotilla-desired/v1\0" + payload bytes), kid?: keyId(hub key) }
 *
 * The agent opens it with the hub key it got at enrollment. The signature covers the node name
 * and seq, so a document cannot be moved to another node or replayed over a newer one.
 */
import type { KubeObject, ObjectMeta } from '../api/meta.js';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { fromBase64Url, toBase64Url } from '../crypto/base64.js';
import type { Sign, Verify } from '../crypto/sign.js';
import { errorMessage } from '../util/guards.js';
import { canonicalJsonBytes } from './canonical-json.js';
import { ProtocolError } from './errors.js';
import { parseJsonObject, checkVersionAndType } from './envelope.js';
import type { Fields } from './fields.js';
import { checkRecord, fail } from './fields.js';
import { PROTOCOL_VERSION } from './messages.js';
import { compareRevisions, formatRevision, MAX_EPOCH, type DesiredRevision } from './revision.js';

export interface DesiredState {
  node: string;
  /** Monotonic per node within an epoch: the hub's store resourceVersion when it built the document. */
  seq: number;
  /** The hub's desired-state epoch (revision.ts); absent means 0. A newer epoch wins whatever its seq. */
  epoch?: number;
  /** Hub clock, informational only. */
  issuedAt: string;
  pods: KubeObject[];
  configMaps: KubeObject[];
  secrets: KubeObject[];
}

export const DESIRED_DOMAIN = 'flotilla-desired/v1\0';
/** Default cap on an envelope's size (the broker's packet limit must allow it). */
export const DESIRED_MAX_BYTES = 8 * 1024 * 1024;

export type DesiredRejection = 'malformed' | 'bad-signature' | 'wrong-node' | 'stale';

export class DesiredRejected extends Error {
  constructor(
    readonly reason: DesiredRejection,
    message: string,
    /** For `malformed`, the offending field when known. */
    readonly field?: string,
  ) {
    super(`desired state rejected (${reason}): ${message}`);
    this.name = 'DesiredRejected';
  }
}

export interface DesiredExpectation {
  /** This agent's node name. */
  node: string;
  /** The seq of the document last accepted (0 if none): lower (in the same epoch) is stale, equal is a duplicate. */
  minSeq: number;
  /** The epoch of the document last accepted (default 0): a lower epoch is stale. */
  minEpoch?: number;
  maxBytes?: number;
}

function signedBytes(payload: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(DESIRED_DOMAIN, 'utf8'), payload]);
}

/** Signs a desired state; throws TypeError if the state is not sendable (bad name or seq). */
export function sealDesired(state: DesiredState, sign: Sign, opts: { kid?: string } = {}): Buffer {
  if (isDNS1123Subdomain(state.node).length > 0) throw new TypeError(`sealDesired: invalid node name ${JSON.stringify(state.node)}`);
  if (!Number.isSafeInteger(state.seq) || state.seq < 0) throw new TypeError(`sealDesired: seq must be a non-negative integer, got ${state.seq}`);
  const epoch = state.epoch ?? 0;
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new TypeError(`sealDesired: epoch must be an integer in [0, ${MAX_EPOCH}], got ${epoch}`);
  const payload = canonicalJsonBytes(state);
  const envelope: Record<string, unknown> = {
    v: PROTOCOL_VERSION,
    t: 'desired',
    payload: toBase64Url(payload),
    sig: toBase64Url(sign(signedBytes(payload))),
  };
  if (opts.kid !== undefined) envelope.kid = opts.kid;
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

function readObjects(f: Fields, k: string, kind: string): KubeObject[] {
  return f.array(k, Number.MAX_SAFE_INTEGER).map(({ item, path }) => {
    const o = checkRecord(item, path);
    const apiVersion = o.string('apiVersion');
    if (o.string('kind') !== kind) fail(o.at('kind'), `expected "${kind}"`);
    return { ...o.obj, apiVersion, kind, metadata: readMeta(o.record('metadata')) };
  });
}

/** The metadata fields an agent relies on; the hub validated them, this checks their types. */
function readMeta(m: Fields): ObjectMeta {
  const meta: ObjectMeta = { ...m.obj, name: m.string('name') };
  const namespace = m.optString('namespace');
  const uid = m.optString('uid');
  const resourceVersion = m.optString('resourceVersion');
  const generation = m.optInt('generation', 0);
  const labels = m.optStringMap('labels', {}, { empty: true });
  const annotations = m.optStringMap('annotations', {}, { empty: true });
  if (namespace !== undefined) meta.namespace = namespace;
  if (uid !== undefined) meta.uid = uid;
  if (resourceVersion !== undefined) meta.resourceVersion = resourceVersion;
  if (generation !== undefined) meta.generation = generation;
  if (labels !== undefined) meta.labels = labels;
  if (annotations !== undefined) meta.annotations = annotations;
  return meta;
}

function readDesiredState(f: Fields): DesiredState {
  const epoch = f.optInt('epoch', 0, MAX_EPOCH);
  return {
    node: f.string('node'),
    seq: f.int('seq', 0),
    ...(epoch !== undefined ? { epoch } : {}),
    issuedAt: f.string('issuedAt', { empty: true }),
    pods: readObjects(f, 'pods', 'Pod'),
    configMaps: readObjects(f, 'configMaps', 'ConfigMap'),
    secrets: readObjects(f, 'secrets', 'Secret'),
  };
}

function malformed(e: unknown): DesiredRejected {
  if (e instanceof ProtocolError) return new DesiredRejected('malformed', e.message, e.field);
  return new DesiredRejected('malformed', errorMessage(e));
}

/**
 * Verifies and decodes an envelope. Order: envelope shape, signature, payload schema, node,
 * revision. Returns the state when its (epoch, seq) is not older than (minEpoch, minSeq); the
 * caller treats an equal revision as a duplicate.
 */
export function openDesired(buf: Uint8Array, verify: Verify, expect: DesiredExpectation): DesiredState {
  let payload: Uint8Array;
  let sig: Uint8Array;
  try {
    const env = parseJsonObject(buf, expect.maxBytes ?? DESIRED_MAX_BYTES);
    checkVersionAndType(env, 'desired', 'desired');
    const p = fromBase64Url(env.string('payload'));
    if (!p) fail('payload', 'expected base64url');
    const s = fromBase64Url(env.string('sig'));
    if (s?.length !== 64) fail('sig', 'expected 64 bytes of base64url');
    env.optString('kid', { max: 64 });
    payload = p;
    sig = s;
  } catch (e) {
    throw malformed(e);
  }
  if (!verify(signedBytes(payload), sig)) throw new DesiredRejected('bad-signature', 'signature does not verify with the hub key');
  let state: DesiredState;
  try {
    state = readDesiredState(parseJsonObject(payload, Number.MAX_SAFE_INTEGER).withPath('payload'));
  } catch (e) {
    throw malformed(e);
  }
  if (state.node !== expect.node) throw new DesiredRejected('wrong-node', `document is for node "${state.node}", this is "${expect.node}"`);
  const held = { epoch: expect.minEpoch ?? 0, seq: expect.minSeq };
  if (compareRevisions(revisionOf(state), held) < 0) throw new DesiredRejected('stale', `revision ${formatRevision(revisionOf(state))} is older than ${formatRevision(held)}`);
  return state;
}

/** The document's revision (epoch 0 when it carries none). */
export function revisionOf(state: Pick<DesiredState, 'seq' | 'epoch'>): DesiredRevision {
  return { epoch: state.epoch ?? 0, seq: state.seq };
}
