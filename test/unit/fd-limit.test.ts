import assert from 'node:assert/strict';
import { connectionCap, FD_RESERVE, openFileLimit } from '../../server/fd-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
`;

describe('broker connection cap from the open-file limit', () => {
  it('reads the soft limit of open files', () => {
    assert.equal(openFileLimit(LIMITS), 20000);
    assert.equal(openFileLimit('Max processes 10 10 processes\n'), undefined);
  });

  it('keeps FD_RESERVE descriptors for the hub itself, and never less than 64 connections', () => {
    assert.equal(connectionCap(20000), 20000 - FD_RESERVE);
    assert.equal(connectionCap(256), 64);
    assert.equal(connectionCap(undefined), undefined);
  });
});
