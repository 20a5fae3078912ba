/**
 * Errors the container engine raises. Callers (reconcile, probes, logs) branch on `code`, never on
 * the message text; the message keeps Docker's own words so that a pod's status can show them.
 */

export type EngineErrorCode =
  /** The container (or exec) does not exist. */
  | 'NotFound'
  /** createContainer with an image that is not present locally: pull it first. */
  | 'ImageNotFound'
  /** A container with that name already exists. */
  | 'NameConflict'
  /** exec into a container that is not running. */
  | 'NotRunning'
  /** The image pull failed (manifest unknown, unauthorized, registry unreachable, …). */
  | 'PullFailed'
  /** The caller's AbortSignal fired. */
  | 'Aborted'
  /** Docker did not answer within the engine's request time limit. */
  | 'Timeout'
  /** Docker's API socket does not answer (dockerd down, wrong path, no permission). */
  | 'Unavailable'
  /** Docker refused the request for another reason; the message says why. */
  | 'Failed';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  /** Docker's HTTP status when the error came from an API answer. */
  readonly statusCode: number | undefined;

  constructor(code: EngineErrorCode, message: string, opts: { statusCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.statusCode = opts.statusCode;
  }
}

export function isEngineError(e: unknown, code?: EngineErrorCode): e is EngineError {
  return e instanceof EngineError && (code === undefined || e.code === code);
}
