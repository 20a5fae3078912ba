/**
 * A batch of devices flashed with one bootstrap token enrolls at once: the token's use counter
 * is serialized on the hub, so no enrollment of the batch is refused or has to give up.
 */
import assert from 'node:assert/strict';
import { enroll, mqttJsConnector } from '../../agent/link/index.js';
import { generateIdentity } from '../../shared/crypto/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { silentLogger } from '../../shared/util/logger.js';
import { bootstrapToken, flotctl } from '../support/flotctl.js';
import { startHub, type HubHandle } from '../support/hub.js';

const BATCH = 100;

describe('a batch enrolling with one bootstrap token', function () {
  this.timeout(120_000);
  let hub: HubHandle;

  before(async () => {
    hub = await startHub();
  });
  after(async () => {
    await hub?.dispose();
  });

  it(`enrolls ${BATCH} devices at once with --max-uses ${BATCH}, and refuses the next one`, async () => {
    const token = await bootstrapToken(hub, '--max-uses', String(BATCH));
    const deps = { connector: mqttJsConnector, clock: systemClock, logger: silentLogger };
    // One attempt each: a transient failure would show up as a failure here, not be hidden by a retry.
    const outcomes = await Promise.all(
      Array.from({ length: BATCH }, (_, i) =>
        enroll({ hubUrl: hub.mqttUrl, token, nodeName: `batch-${i}`, keys: generateIdentity(), agentVersion: '0.1.0' }, deps, { maxAttempts: 1, timeoutMs: 60_000 }),
      ),
    );
    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [`batch-${i}: ${o.reason} ${o.message}`]));
    assert.deepEqual(failed, []);

    const nodes = await flotctl(hub, ['get', 'nodes', '-o', 'name']);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.equal(nodes.stdout.split('\n').filter((l) => l.includes('batch-')).length, BATCH);
    const tokens = await flotctl(hub, ['token', 'list']);
    assert.match(tokens.stdout, new RegExp(`${BATCH}/${BATCH}`));

    const extra = await enroll({ hubUrl: hub.mqttUrl, token, nodeName: 'batch-extra', keys: generateIdentity(), agentVersion: '0.1.0' }, deps, { maxAttempts: 1 });
    assert.equal(extra.ok, false);
    assert.equal(extra.ok ? undefined : extra.permanent, true, 'a used-up token is a permanent refusal');
  });
});
