import assert from 'node:assert/strict';
import { createSigner, createVerifier, generateIdentity } from '../../shared/crypto/index.js';
import { APPLIED_REVISION_ANNOTATION, DESIRED_REVISION_ANNOTATION } from '../../shared/api/desired-sync.js';
import {
  compareRevisions,
  decodeAgentMessage,
  DesiredRejected,
  formatRevision,
  openDesired,
  parseRevision,
  ProtocolError,
  sealDesired,
  statusHash,
  syncState,
  type DesiredState,
  type StatusMessage,
} from '../../shared/protocol/index.js';
import { mergedMetadata } from '../../server/link/node-status.js';

const hub = generateIdentity();
const sign = createSigner(hub.signingSecretKey);
const verify = createVerifier(hub.signingPublicKey);
const doc = (seq: number, epoch?: number): Buffer =>
  sealDesired({ node: 'pi-a', seq, ...(epoch !== undefined ? { epoch } : {}), issuedAt: '', pods: [], configMaps: [], secrets: [] } satisfies DesiredState, sign);

describe('protocol: desired revisions (epoch, seq)', () => {
  it('orders by epoch first, then seq', () => {
    assert.ok(compareRevisions({ epoch: 0, seq: 9 }, { epoch: 0, seq: 10 }) < 0);
    assert.ok(compareRevisions({ epoch: 1, seq: 1 }, { epoch: 0, seq: 900 }) > 0);
    assert.equal(compareRevisions({ epoch: 2, seq: 5 }, { epoch: 2, seq: 5 }), 0);
  });

  it('prints [EPOCH.]SEQ and parses it back; anything else is not a revision', () => {
    assert.equal(formatRevision({ epoch: 0, seq: 512 }), '512');
    assert.equal(formatRevision({ epoch: 1733460000, seq: 95 }), '1733460000.95');
    assert.deepEqual(parseRevision('1733460000.95'), { epoch: 1733460000, seq: 95 });
    assert.deepEqual(parseRevision('512'), { epoch: 0, seq: 512 });
    for (const bad of ['', '-1', '1.2.3', 'x', '1e3', undefined, '99999999999999999']) assert.equal(parseRevision(bad), undefined, String(bad));
  });

  it('says Current, Behind, Ahead or Unknown', () => {
    assert.equal(syncState({ epoch: 0, seq: 5 }, { epoch: 0, seq: 5 }), 'Current');
    assert.equal(syncState({ epoch: 0, seq: 7 }, { epoch: 0, seq: 5 }), 'Behind');
    assert.equal(syncState({ epoch: 0, seq: 3 }, { epoch: 0, seq: 5 }), 'Ahead');
    assert.equal(syncState({ epoch: 1, seq: 3 }, { epoch: 0, seq: 5 }), 'Behind');
    assert.equal(syncState(undefined, { epoch: 0, seq: 5 }), 'Unknown');
  });

  it('a document of a newer epoch is accepted over a higher seq; an older epoch is stale', () => {
    assert.equal(openDesired(doc(3, 1), verify, { node: 'pi-a', minSeq: 900, minEpoch: 0 }).epoch, 1);
    assert.throws(() => openDesired(doc(950), verify, { node: 'pi-a', minSeq: 3, minEpoch: 1 }), (e: unknown) => e instanceof DesiredRejected && e.reason === 'stale');
    assert.throws(() => openDesired(doc(899), verify, { node: 'pi-a', minSeq: 900 }), (e: unknown) => e instanceof DesiredRejected && e.reason === 'stale');
  });

  it('documents without an epoch are epoch 0 (older hubs)', () => {
    assert.equal(openDesired(doc(5), verify, { node: 'pi-a', minSeq: 0 }).epoch, undefined);
    assert.throws(() => openDesired(doc(5), verify, { node: 'pi-a', minSeq: 0, minEpoch: 1 }), DesiredRejected);
  });

  it('sealing refuses an epoch that is not a non-negative integer', () => {
    for (const epoch of [-1, 1.5, 2 ** 41]) assert.throws(() => sealDesired({ node: 'pi-a', seq: 1, epoch, issuedAt: '', pods: [], configMaps: [], secrets: [] }, sign), TypeError);
  });
});

describe('protocol: the applied revision in a node status', () => {
  const status: StatusMessage['status'] = { conditions: [{ type: 'Ready', status: 'True' }], addresses: [], capacity: {}, allocatable: {}, nodeInfo: {} };
  const msg = (applied: unknown): Buffer => Buffer.from(JSON.stringify({ v: 1, t: 'status', hash: statusHash({ status, labels: {} }), status, labels: {}, applied }));

  it('decodes { epoch, seq }', () => {
    assert.deepEqual(decodeAgentMessage('status', msg({ epoch: 0, seq: 42 })).applied, { epoch: 0, seq: 42 });
  });

  it('refuses a bad one at the boundary, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ epoch: 0, seq: -1 }, 'applied.seq'],
      [{ epoch: 0, seq: 1.5 }, 'applied.seq'],
      [{ epoch: 0, seq: '7' }, 'applied.seq'],
      [{ seq: 7 }, 'applied.epoch'],
      [{ epoch: 2 ** 41, seq: 7 }, 'applied.epoch'],
      ['7', 'applied'],
    ];
    for (const [applied, field] of cases) {
      assert.throws(() => decodeAgentMessage('status', msg(applied)), (e: unknown) => e instanceof ProtocolError && e.field === field, JSON.stringify(applied));
    }
  });

  it('changes the status hash, so a heartbeat tells the hub it is missing it', () => {
    assert.notEqual(statusHash({ status, labels: {}, applied: { epoch: 0, seq: 1 } }), statusHash({ status, labels: {}, applied: { epoch: 0, seq: 2 } }));
    assert.equal(statusHash({ status, labels: {} }), statusHash({ status, labels: {}, annotations: undefined }));
  });

  it('becomes flotilla.io/applied-revision on the Node; an agent cannot set the hub-owned annotations itself', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-a', annotations: { [DESIRED_REVISION_ANNOTATION]: '40', user: 'x' } } };
    const report: StatusMessage = {
      v: 1,
      t: 'status',
      hash: '00000000',
      status,
      labels: {},
      annotations: { [DESIRED_REVISION_ANNOTATION]: '1', [APPLIED_REVISION_ANNOTATION]: '999', 'flotilla.io/device-model': 'Pi 4' },
      applied: { epoch: 0, seq: 38 },
    };
    const merged = mergedMetadata(node, report);
    assert.deepEqual(merged.annotations, {
      [DESIRED_REVISION_ANNOTATION]: '40',
      [APPLIED_REVISION_ANNOTATION]: '38',
      user: 'x',
      'flotilla.io/device-model': 'Pi 4',
      'flotilla.io/reported-labels': '',
    });
    assert.deepEqual(merged.refused.map((r) => r.key).sort(), [APPLIED_REVISION_ANNOTATION, DESIRED_REVISION_ANNOTATION]);
  });
});
