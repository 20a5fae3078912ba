import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COUNTER_FILE,
  COUNTER_JUMP,
  ConnectCounter,
  HUB_FILE,
  IDENTITY_FILE,
  IdentityFileError,
  loadHubKey,
  loadIdentity,
  NodeCredentials,
  saveHubKey,
  saveIdentity,
} from '../../agent/identity/index.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';
import { createVerifier, generateIdentity, keyFingerprint } from '../../shared/crypto/index.js';
import { parseConnectPassword, verifyConnectPassword } from '../../shared/protocol/index.js';
import { silentLogger } from '../../shared/util/logger.js';

describe('agent identity: files and connect counter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-id-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const counterOnDisk = async (): Promise<string> => readFile(join(dir, COUNTER_FILE), 'utf8');

  describe('atomic writes', () => {
    it('replaces the file with the requested mode and leaves no temp files', async () => {
      const p = join(dir, 'f');
      await writeFileAtomic(p, 'one', 0o600);
      await writeFileAtomic(p, 'two', 0o600);
      assert.equal(await readFile(p, 'utf8'), 'two');
      assert.equal((await stat(p)).mode & 0o777, 0o600);
      assert.deepEqual(await readdir(dir), ['f']);
    });
  });

  describe('identity.json and hub.json', () => {
    it('round-trip; identity.json is 0600', async () => {
      const keys = generateIdentity();
      assert.equal(await loadIdentity(dir), undefined);
      await saveIdentity(dir, { nodeName: 'pi-a', keys });
      const back = await loadIdentity(dir);
      assert.equal(back?.nodeName, 'pi-a');
      assert.deepEqual(back.keys, keys);
      assert.equal((await stat(join(dir, IDENTITY_FILE))).mode & 0o777, 0o600);

      const hubKey = generateIdentity().signingPublicKey;
      assert.equal(await loadHubKey(dir), undefined);
      await saveHubKey(dir, 'pi-a', hubKey);
      assert.deepEqual(await loadHubKey(dir), { nodeName: 'pi-a', hubKey, fingerprint: keyFingerprint(hubKey) });
    });

    it('a damaged identity file is an error naming the file and the field', async () => {
      await saveIdentity(dir, { nodeName: 'pi-a', keys: generateIdentity() });
      const json = JSON.parse(await readFile(join(dir, IDENTITY_FILE), 'utf8')) as Record<string, unknown>;
      json.boxPublicKey = generateIdentity().boxPublicKey.length.toString();
      await writeFile(join(dir, IDENTITY_FILE), JSON.stringify(json));
      await assert.rejects(loadIdentity(dir), (e: unknown) => e instanceof IdentityFileError && e.message.startsWith(`${join(dir, IDENTITY_FILE)}: boxPublicKey:`));
      await writeFile(join(dir, IDENTITY_FILE), '{"version":1');
      await assert.rejects(loadIdentity(dir), /not valid JSON/);
    });

    it('hub.json whose fingerprint does not match its key is refused', async () => {
      await saveHubKey(dir, 'pi-a', generateIdentity().signingPublicKey);
      const json = JSON.parse(await readFile(join(dir, HUB_FILE), 'utf8')) as Record<string, unknown>;
      json.fingerprint = keyFingerprint(generateIdentity().signingPublicKey);
      await writeFile(join(dir, HUB_FILE), JSON.stringify(json));
      await assert.rejects(loadHubKey(dir), /fingerprint: does not match hubKey/);
    });
  });

  describe('connect counter', () => {
    it('starts at 0, persists each value before handing it out, and keeps rising across restarts', async () => {
      const c = await ConnectCounter.open(dir);
      assert.equal(c.current, 0);
      assert.equal(await c.next(), 1);
      assert.equal(await counterOnDisk(), '1\n');
      assert.equal(await c.next(), 2);
      const again = await ConnectCounter.open(dir);
      assert.equal(again.current, 2);
      assert.equal(await again.next(), 3);
      assert.equal((await stat(join(dir, COUNTER_FILE))).mode & 0o777, 0o600);
    });

    it('serialises concurrent calls', async () => {
      const c = await ConnectCounter.open(dir);
      const got = await Promise.all([c.next(), c.next(), c.jump(100), c.next()]);
      assert.deepEqual(got, [1, 2, 102, 103]);
      assert.equal(await counterOnDisk(), '103\n');
    });

    it('a corrupt file counts as 0 and is flagged', async () => {
      await writeFile(join(dir, COUNTER_FILE), 'garbage');
      const c = await ConnectCounter.open(dir);
      assert.equal(c.wasCorrupt, true);
      assert.equal(await c.next(), 1);
    });
  });

  describe('node credentials', () => {
    const keys = generateIdentity();
    const verify = createVerifier(keys.signingPublicKey);

    /** The broker's check, with the hub remembering the last accepted counter. */
    function hub(lastCounter: number): (pw: string) => { ok: boolean; counter?: number } {
      let last = lastCounter;
      return (password) => {
        const r = verifyConnectPassword(verify, { clientId: 'node:pi-a', username: 'pi-a', password, lastCounter: last });
        if (r.ok) last = r.counter;
        return r.ok ? { ok: true, counter: r.counter } : { ok: false };
      };
    }

    it('signs node:NAME / NAME with the counter already on disk', async () => {
      const creds = new NodeCredentials({ nodeName: 'pi-a', keys }, await ConnectCounter.open(dir), silentLogger);
      const c = await creds.next();
      assert.equal(c.clientId, 'node:pi-a');
      assert.equal(c.username, 'pi-a');
      assert.equal(parseConnectPassword(c.password).counter, 1);
      assert.equal(await counterOnDisk(), '1\n');
      assert.deepEqual(hub(0)(c.password), { ok: true, counter: 1 });
    });

    it('jumps 2^32 once after a refusal, so a restored (behind) counter recovers', async () => {
      // The SD card was restored from an image taken at counter 10; the hub has seen 5000.
      await writeFile(join(dir, COUNTER_FILE), '10\n');
      const broker = hub(5000);
      const creds = new NodeCredentials({ nodeName: 'pi-a', keys }, await ConnectCounter.open(dir), silentLogger);
      const first = await creds.next();
      assert.equal(parseConnectPassword(first.password).counter, 11);
      assert.equal(broker(first.password).ok, false, 'replayed counter refused');
      await creds.refused(5);
      assert.equal(await counterOnDisk(), `${10 + 1 + COUNTER_JUMP}\n`);
      const second = await creds.next();
      assert.equal(parseConnectPassword(second.password).counter, 11 + COUNTER_JUMP + 1);
      assert.equal(broker(second.password).ok, true);
    });

    it('does not jump again until a connect has been accepted', async () => {
      const creds = new NodeCredentials({ nodeName: 'pi-a', keys }, await ConnectCounter.open(dir), silentLogger);
      await creds.next(); // 1
      await creds.refused(5); // → 1 + 2^32
      await creds.next();
      await creds.refused(5); // no second jump
      assert.equal(await counterOnDisk(), `${COUNTER_JUMP + 2}\n`);
      creds.accepted();
      await creds.next();
      await creds.refused(4); // re-armed
      assert.equal(await counterOnDisk(), `${2 * COUNTER_JUMP + 3}\n`);
    });
  });
});
