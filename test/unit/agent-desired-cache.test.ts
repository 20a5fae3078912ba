import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESIRED_DB_FILE, DesiredCache, type AcceptResult } from '../../agent/state/index.js';
import { createSigner, createVerifier, generateIdentity } from '../../shared/crypto/index.js';
import { sealDesired, type DesiredState } from '../../shared/protocol/index.js';
import { createJsonLogger } from '../../shared/util/logger.js';

const hub = generateIdentity();
const impostor = generateIdentity();
const sign = createSigner(hub.signingSecretKey);
const forge = createSigner(impostor.signingSecretKey);
const verify = createVerifier(hub.signingPublicKey);

function state(seq: number, node = 'pi-a', pods = ['web']): DesiredState {
  return {
    node,
    seq,
    issuedAt: '2026-01-01T00:00:00Z',
    pods: pods.map((name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: node } })),
    configMaps: [],
    secrets: [],
  };
}

function summary(r: AcceptResult): string {
  switch (r.status) {
    case 'accepted':
      return `accepted:${r.state.seq}`;
    case 'duplicate':
      return `duplicate:${r.seq}`;
    case 'rejected':
      return `rejected:${r.reason}`;
    case 'failed':
      return `failed`;
  }
}

describe('agent state: verified desired-state cache', () => {
  let dir: string;
  let logs: Record<string, unknown>[];
  const open = (v = verify, node = 'pi-a'): Promise<DesiredCache> =>
    DesiredCache.open({ dir, node, verify: v, logger: createJsonLogger((l) => logs.push(JSON.parse(l) as Record<string, unknown>), { level: 'debug', now: () => new Date() }) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-state-'));
    logs = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts empty', async () => {
    const cache = await open();
    assert.equal(cache.current(), undefined);
    assert.equal(cache.minSeq, 0);
  });

  it('a hub that starts a new epoch (after a restore) wins over a higher seq; the epoch survives a restart', async () => {
    const cache = await open();
    assert.equal(summary(await cache.accept(sealDesired(state(900), sign))), 'accepted:900');
    assert.equal(summary(await cache.accept(sealDesired(state(500), sign))), 'rejected:stale');
    assert.equal(summary(await cache.accept(sealDesired({ ...state(500), epoch: 1733460000 }, sign))), 'accepted:500');
    await cache.close();
    const again = await open();
    assert.deepEqual(again.revision, { epoch: 1733460000, seq: 500 });
    assert.equal(summary(await again.accept(sealDesired(state(950), sign))), 'rejected:stale');
    assert.equal(summary(await again.accept(sealDesired({ ...state(500), epoch: 1733460000 }, sign))), 'duplicate:500');
  });

  const TABLE: { name: string; doc: () => Buffer; want: string }[] = [
    { name: 'a good document (seq above the held one)', doc: () => sealDesired(state(12), sign), want: 'accepted:12' },
    { name: 'a forged signature', doc: () => sealDesired(state(12), forge), want: 'rejected:bad-signature' },
    { name: 'a document for another node', doc: () => sealDesired(state(12, 'pi-b'), sign), want: 'rejected:wrong-node' },
    { name: 'a stale seq', doc: () => sealDesired(state(9), sign), want: 'rejected:stale' },
    { name: 'the seq already held (the broker resending the retained copy)', doc: () => sealDesired(state(10), sign), want: 'duplicate:10' },
    { name: 'not JSON at all', doc: () => Buffer.from('not json'), want: 'rejected:malformed' },
    {
      name: 'a signed payload for this node with a tampered body',
      doc: () => {
        const env = JSON.parse(sealDesired(state(12), sign).toString()) as { payload: string };
        const other = JSON.parse(sealDesired(state(12, 'pi-a', ['evil']), sign).toString()) as { payload: string };
        env.payload = other.payload; // signature of the first, payload of the second
        return Buffer.from(JSON.stringify(env));
      },
      want: 'rejected:bad-signature',
    },
  ];

  for (const row of TABLE) {
    it(`given seq 10 held: ${row.name} → ${row.want}`, async () => {
      const cache = await open();
      assert.equal(summary(await cache.accept(sealDesired(state(10), sign))), 'accepted:10');
      const r = await cache.accept(row.doc());
      assert.equal(summary(r), row.want);
      const accepted = row.want.startsWith('accepted');
      assert.equal(cache.minSeq, accepted ? 12 : 10);
      assert.deepEqual(cache.current()?.pods.map((p) => p.metadata.name), ['web'], 'never acts on a refused document');
      if (row.want.startsWith('rejected')) {
        const reason = row.want.split(':')[1] as keyof ReturnType<DesiredCache['counts']>['rejected'];
        assert.equal(cache.counts().rejected[reason], 1);
        assert.ok(logs.some((l) => l.msg === 'desired state rejected' && l.reason === reason && l.level === 'warn'));
      }
      if (row.want.startsWith('duplicate')) {
        assert.equal(cache.counts().duplicates, 1);
        assert.ok(!logs.some((l) => l.level === 'warn' || l.level === 'error'), 'a duplicate is ignored quietly');
      }
    });
  }

  it('persists the envelope before returning, and a restart loads it, verified again', async () => {
    const cache = await open();
    const doc = sealDesired(state(42, 'pi-a', ['a', 'b']), sign);
    assert.equal(summary(await cache.accept(doc)), 'accepted:42');
    await cache.close();
    const onDisk = await readFile(join(dir, DESIRED_DB_FILE), 'utf8');
    assert.ok(onDisk.includes(doc.toString('base64')), 'the raw signed envelope is on disk');

    const again = await open();
    assert.equal(again.minSeq, 42);
    assert.deepEqual(again.current()?.pods.map((p) => p.metadata.name), ['a', 'b']);
    assert.equal(summary(await again.accept(doc)), 'duplicate:42');
    assert.equal(summary(await again.accept(sealDesired(state(41), sign))), 'rejected:stale');
  });

  it('a persisted copy that no longer verifies (another hub key) is not acted on', async () => {
    const cache = await open();
    await cache.accept(sealDesired(state(42), sign));
    await cache.close();
    const other = await open(createVerifier(impostor.signingPublicKey));
    assert.equal(other.current(), undefined);
    assert.equal(other.minSeq, 0);
    assert.ok(logs.some((l) => l.msg === 'persisted desired state rejected' && l.reason === 'bad-signature'));
  });

  it('a tampered persisted file (raised seq, forged body) is not acted on', async () => {
    const cache = await open();
    await cache.accept(sealDesired(state(42), sign));
    await cache.close();
    const forged = sealDesired(state(9999, 'pi-a', ['evil']), forge).toString('base64');
    await writeFile(join(dir, DESIRED_DB_FILE), `${JSON.stringify({ _id: 'desired', seq: 9999, envelope: forged })}\n`);
    const again = await open();
    assert.equal(again.current(), undefined);
    assert.equal(again.minSeq, 0, 'an unverified seq does not block the hub');
    assert.equal(summary(await again.accept(sealDesired(state(43), sign))), 'accepted:43');
  });

  it('serialises concurrent accepts: the newest wins, older ones are stale', async () => {
    const cache = await open();
    const results = await Promise.all([5, 7, 6, 7].map((s) => cache.accept(sealDesired(state(s), sign))));
    assert.deepEqual(results.map(summary), ['accepted:5', 'accepted:7', 'rejected:stale', 'duplicate:7']);
    assert.equal(cache.minSeq, 7);
  });
});
