/**
 * The verified desired-state cache, on nedb in `DIR/state/`. A document is verified with the
 * hub key, checked to be for this node and not older (by epoch, then seq) than the last accepted
 * one, and persisted (raw signed envelope + revision, written crash-safely) BEFORE it is handed on. After a reboot
 * with no network the agent starts from the persisted copy, verified again with the stored
 * hub key. Rejected documents are logged and counted, never acted on; a duplicate (the seq
 * already held, e.g. the retained copy the broker resends on every subscribe) is ignored quietly.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Datastore from 'nedb-promises';
import type { Verify } from '../../shared/crypto/index.js';
import { DesiredRejected, openDesired, revisionOf } from '../../shared/protocol/index.js';
import type { DesiredRejection, DesiredRevision, DesiredState } from '../../shared/protocol/index.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';

export const DESIRED_DB_FILE = 'desired.db';
const DOC_ID = 'desired';

interface DesiredDoc {
  _id: string;
  seq: number;
  epoch?: number;
  /** The signed envelope exactly as received, base64. */
  envelope: string;
}

/** nedb's crash-safe rewrite (temp + fsync + rename); nedb-promises forwards it but does not declare it. */
interface Compactable {
  compactDatafileAsync(): Promise<void>;
}

function isCompactable(v: unknown): v is Compactable {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Compactable>).compactDatafileAsync === 'function';
}

export type AcceptResult =
  | { status: 'accepted'; state: DesiredState }
  | { status: 'duplicate'; seq: number }
  | { status: 'rejected'; reason: DesiredRejection; message: string }
  /** Verified, but it could not be persisted: not handed on (the next delivery retries). */
  | { status: 'failed'; message: string };

export interface DesiredCacheOptions {
  /** The state directory (created if missing). */
  dir: string;
  node: string;
  /** Verifies with the hub's key. */
  verify: Verify;
  logger: Logger;
  maxBytes?: number;
}

export class DesiredCache {
  private state: DesiredState | undefined;
  private held: DesiredRevision = { epoch: 0, seq: 0 };
  private chain: Promise<unknown> = Promise.resolve();
  private readonly rejections: Record<DesiredRejection, number> = { malformed: 0, 'bad-signature': 0, 'wrong-node': 0, stale: 0 };
  private duplicates = 0;

  private constructor(
    private readonly db: Datastore<DesiredDoc>,
    private readonly opts: DesiredCacheOptions,
    private readonly log: Logger,
  ) {}

  /** Opens the cache and loads the persisted document, if it still verifies. */
  static async open(opts: DesiredCacheOptions): Promise<DesiredCache> {
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    // nedb's `modes` (owner-only files) is missing from nedb-promises' typings.
    const dbOptions = { filename: join(opts.dir, DESIRED_DB_FILE), autoload: false, modes: { fileMode: 0o600, dirMode: 0o700 } };
    const db = Datastore.create(dbOptions) as Datastore<DesiredDoc>;
    await db.load();
    const cache = new DesiredCache(db, opts, opts.logger.child({ component: 'desired-cache' }));
    await cache.loadPersisted();
    return cache;
  }

  private async loadPersisted(): Promise<void> {
    const doc = await this.db.findOne({ _id: DOC_ID });
    if (!doc) {
      this.log.info('no persisted desired state');
      return;
    }
    try {
      const state = this.open(Buffer.from(doc.envelope, 'base64'), { epoch: 0, seq: 0 });
      this.state = state;
      this.held = revisionOf(state);
      this.log.info('persisted desired state loaded', { seq: state.seq, epoch: this.held.epoch, pods: state.pods.length });
    } catch (e) {
      // A file that no longer verifies (tampered, or a different hub key) is not acted on.
      const reason = e instanceof DesiredRejected ? e.reason : 'malformed';
      this.log.error('persisted desired state rejected', { reason, error: errorMessage(e) });
    }
  }

  /** The last accepted state, if any. */
  current(): DesiredState | undefined {
    return this.state;
  }

  /** The seq of the last accepted document (0 if none): lower (in its epoch) is stale, equal a duplicate. */
  get minSeq(): number {
    return this.held.seq;
  }

  /** The revision of the last accepted document ({0, 0} if none). */
  get revision(): DesiredRevision {
    return { ...this.held };
  }

  /** How many documents were rejected, per reason, and how many duplicates were ignored. */
  counts(): { rejected: Readonly<Record<DesiredRejection, number>>; duplicates: number } {
    return { rejected: { ...this.rejections }, duplicates: this.duplicates };
  }

  /** Verify → persist → return the state (or why not). Calls are serialised. */
  accept(buf: Uint8Array): Promise<AcceptResult> {
    const run = this.chain.then(() => this.acceptNow(buf));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private open(buf: Uint8Array, min: DesiredRevision): DesiredState {
    const expect = { node: this.opts.node, minSeq: min.seq, minEpoch: min.epoch, ...(this.opts.maxBytes !== undefined ? { maxBytes: this.opts.maxBytes } : {}) };
    return openDesired(buf, this.opts.verify, expect);
  }

  private async acceptNow(buf: Uint8Array): Promise<AcceptResult> {
    let state: DesiredState;
    try {
      state = this.open(buf, this.held);
    } catch (e) {
      if (!(e instanceof DesiredRejected)) throw e;
      this.rejections[e.reason] += 1;
      const fields: Record<string, unknown> = { reason: e.reason, error: e.message, bytes: buf.length, count: this.rejections[e.reason] };
      if (e.field !== undefined) fields.field = e.field;
      this.log.warn('desired state rejected', fields);
      return { status: 'rejected', reason: e.reason, message: e.message };
    }
    const rev = revisionOf(state);
    if (this.state !== undefined && rev.seq === this.held.seq && rev.epoch === this.held.epoch) {
      this.duplicates += 1;
      this.log.debug('desired state duplicate ignored', { seq: state.seq });
      return { status: 'duplicate', seq: state.seq };
    }
    try {
      await this.persist(rev, buf);
    } catch (e) {
      this.log.error('desired state not persisted', { seq: state.seq, error: errorMessage(e) });
      return { status: 'failed', message: errorMessage(e) };
    }
    this.state = state;
    this.held = rev;
    this.log.info('desired state accepted', { seq: state.seq, epoch: rev.epoch, pods: state.pods.length, configMaps: state.configMaps.length, secrets: state.secrets.length });
    return { status: 'accepted', state };
  }

  private async persist(rev: DesiredRevision, buf: Uint8Array): Promise<void> {
    const doc: DesiredDoc = { _id: DOC_ID, seq: rev.seq, epoch: rev.epoch, envelope: Buffer.from(buf).toString('base64') };
    await this.db.update({ _id: DOC_ID }, doc, { upsert: true });
    // nedb appends without fsync; a compaction rewrites the file crash-safely (fsync + rename).
    const raw: unknown = this.db;
    if (isCompactable(raw)) await raw.compactDatafileAsync();
  }

  /** Waits for pending accepts. nedb holds no handles between operations. */
  async close(): Promise<void> {
    await this.chain;
  }
}
