import assert from 'node:assert/strict';
import { DESIRED_HASH_ANNOTATION, DESIRED_REVISION_ANNOTATION } from '../../shared/api/desired-sync.js';
import { revisionToIssue } from '../../server/controllers/node-desired-state/revision.js';

const H = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

describe('which revision a node desired document goes out at', function () {
  const cases: { name: string; first: boolean; annotations?: Record<string, string>; epoch: number; want: { seq: number; fresh: boolean } }[] = [
    { name: 'after a start, unchanged content keeps its revision', first: true, annotations: { [DESIRED_REVISION_ANNOTATION]: '3.120', [DESIRED_HASH_ANNOTATION]: H }, epoch: 3, want: { seq: 120, fresh: false } },
    { name: 'epoch 0 revisions (no epoch written) are reused too', first: true, annotations: { [DESIRED_REVISION_ANNOTATION]: '120', [DESIRED_HASH_ANNOTATION]: H }, epoch: 0, want: { seq: 120, fresh: false } },
    { name: 'after a start, changed content gets a new revision', first: true, annotations: { [DESIRED_REVISION_ANNOTATION]: '3.120', [DESIRED_HASH_ANNOTATION]: OTHER }, epoch: 3, want: { seq: 500, fresh: true } },
    { name: 'a new epoch (--new-desired-epoch) never reuses the old one', first: true, annotations: { [DESIRED_REVISION_ANNOTATION]: '3.120', [DESIRED_HASH_ANNOTATION]: H }, epoch: 4, want: { seq: 500, fresh: true } },
    { name: 'a Node from before the hash annotation gets a new revision', first: true, annotations: { [DESIRED_REVISION_ANNOTATION]: '3.120' }, epoch: 3, want: { seq: 500, fresh: true } },
    { name: 'a Node with no annotations gets a new revision', first: true, epoch: 3, want: { seq: 500, fresh: true } },
    { name: 'an unparsable recorded revision is not reused', first: true, annotations: { [DESIRED_REVISION_ANNOTATION]: 'x.y', [DESIRED_HASH_ANNOTATION]: H }, epoch: 3, want: { seq: 500, fresh: true } },
    { name: 'while running, a publish is always a new revision (content changed)', first: false, annotations: { [DESIRED_REVISION_ANNOTATION]: '3.120', [DESIRED_HASH_ANNOTATION]: H }, epoch: 3, want: { seq: 500, fresh: true } },
  ];
  for (const c of cases) {
    it(c.name, function () {
      assert.deepEqual(revisionToIssue({ firstSinceStart: c.first, annotations: c.annotations, hash: H, epoch: c.epoch, nextSeq: () => 500 }), c.want);
    });
  }
});
