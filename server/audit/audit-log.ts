/**
 * The hub's audit log: one JSON line per API write, enrollment, revocation and refused device
 * connection — who, verb, resource, result. Appended in order; when the file passes `maxBytes`
 * it is rotated (audit.log → audit.log.1 → … → audit.log.N, the oldest dropped), so the log is
 * bounded at about (maxFiles + 1) × maxBytes. Writing never blocks or fails the action it
 * records: a write error is logged and the entry dropped.
 */
import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import { errnoCode, errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';

export interface AuditEntry {
  /** Who: `admin`, `anonymous`, `node:NAME`, `bootstrap-token:ID`, `hub` … */
  user: string;
  /** create, update, patch, delete, enroll, revoke, connect … */
  verb: string;
  /** What it was done to: an API path or `nodes/NAME`. */
  resource: string;
  /** `allowed`/`refused`, or the HTTP status code of an API request. */
  result: string | number;
  detail?: string;
  remote?: string;
}

export type AuditSink = (e: AuditEntry) => void;

export interface AuditLogOptions {
  path: string;
  /** Rotate when the current file passes this size. */
  maxBytes: number;
  /** Rotated files kept. */
  maxFiles: number;
}

export const DEFAULT_AUDIT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_AUDIT_MAX_FILES = 5;
/** Entries waiting to be written; past it new ones are dropped (and counted) rather than held in memory. */
const MAX_PENDING = 10_000;
const MAX_FIELD = 1024;

export class AuditLog {
  private pending: string[] = [];
  private writing: Promise<void> | undefined;
  private size = -1;
  private dropped = 0;

  constructor(
    private readonly opts: AuditLogOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  readonly record: AuditSink = (e) => {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped += 1;
      return;
    }
    const line: Record<string, unknown> = { time: rfc3339(this.clock.now()), user: clip(e.user), verb: e.verb, resource: clip(e.resource), result: e.result };
    if (e.detail !== undefined) line['detail'] = clip(e.detail);
    if (e.remote !== undefined) line['remote'] = e.remote;
    this.pending.push(JSON.stringify(line) + '\n');
    this.writing ??= this.drain();
  };

  /** Resolves when everything recorded so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.join('');
        this.pending = [];
        await this.append(batch);
      }
      if (this.dropped > 0) {
        this.logger.warn('audit entries dropped', { count: this.dropped });
        this.dropped = 0;
      }
    } catch (e: unknown) {
      this.logger.error('audit log write failed', { path: this.opts.path, error: errorMessage(e) });
    } finally {
      this.writing = undefined;
    }
  }

  private async append(text: string): Promise<void> {
    const { path } = this.opts;
    if (this.size < 0) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      this.size = await stat(path).then(
        (s) => s.size,
        (e: unknown) => {
          if (errnoCode(e) === 'ENOENT') return 0;
          throw e;
        },
      );
    }
    if (this.size > 0 && this.size + text.length > this.opts.maxBytes) await this.rotate();
    await appendFile(path, text, { mode: 0o600 });
    this.size += Buffer.byteLength(text);
  }

  private async rotate(): Promise<void> {
    const { path, maxFiles } = this.opts;
    await rm(`${path}.${maxFiles}`, { force: true });
    for (let i = maxFiles - 1; i >= 1; i--) {
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch((e: unknown) => {
        if (errnoCode(e) !== 'ENOENT') throw e;
      });
    }
    if (maxFiles >= 1) await rename(path, `${path}.1`);
    else await rm(path, { force: true });
    this.size = 0;
  }
}

function clip(s: string): string {
  return s.length > MAX_FIELD ? `${s.slice(0, MAX_FIELD)}…` : s;
}
