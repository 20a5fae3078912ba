import assert from 'node:assert/strict';
import { PRUNE_GRACE_MS, staleEntries, type CacheEntry } from '../support/device-cache-prune.js';

const NOW = 10 * PRUNE_GRACE_MS;
const OLD = NOW - PRUNE_GRACE_MS - 1;
const FRESH = NOW - 1000;
const K = '0123456789abcdef';
const K2 = 'fedcba9876543210';

describe('device test cache: what is stale', () => {
  const table: [string, CacheEntry[], string[]][] = [
    ['the current key is kept however old', [{ name: `debs-arm64-${K}`, mtimeMs: OLD }], []],
    ['another key of the same slot, unused past the grace, goes', [{ name: `debs-arm64-${K2}`, mtimeMs: OLD }], [`debs-arm64-${K2}`]],
    ['another key used recently stays (another checkout may be using it)', [{ name: `debs-arm64-${K2}`, mtimeMs: FRESH }], []],
    ['other slots are not judged by this key', [{ name: `debs-armhf-${K2}`, mtimeMs: OLD }, { name: `rootfs-arm64-${K2}.tar`, mtimeMs: OLD }], []],
    ['leftovers of killed runs and old-style names go after the grace', [
      { name: `rootfs-arm64-${K}.tar.tmp-4242`, mtimeMs: OLD },
      { name: 'image-test-AbC123', mtimeMs: OLD },
      { name: 'bundle-xyz', mtimeMs: FRESH },
      { name: `pi-base-${K2}.img`, mtimeMs: OLD },
    ], [`rootfs-arm64-${K}.tar.tmp-4242`, 'image-test-AbC123', `pi-base-${K2}.img`]],
  ];
  for (const [name, entries, want] of table) {
    it(name, () => assert.deepEqual(staleEntries(entries, 'debs-arm64', K, NOW), want));
  }
});
