/** The errors flotctl reports, and how each is printed (kubectl's wording). */
import { errorMessage, isRecord } from '../../shared/util/guards.js';

/** A problem found on the client side: printed as `error: <message>`, one `error:` per line. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The server answered with a failure `Status`; `message` is the server's message. */
export class ServerError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ServerError';
  }

  /** kubectl's format: `Error from server (NotFound): pods "x" not found`. */
  format(): string {
    return this.reason ? `Error from server (${this.reason}): ${this.message}` : `Error from server: ${this.message}`;
  }
}

/** The errors were printed already; only the exit code is left to set. */
export class ReportedFailure extends Error {
  constructor() {
    super('failed; errors were reported');
    this.name = 'ReportedFailure';
  }
}

export function isServerError(e: unknown): e is ServerError {
  return e instanceof ServerError;
}

export function isNotFound(e: unknown): boolean {
  return isServerError(e) && e.code === 404;
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Turns a failed HTTP answer (a `Status`, other JSON or text) into a ServerError. */
export function serverErrorFrom(code: number, body: string): ServerError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (isRecord(parsed) && parsed.kind === 'Status' && typeof parsed.message === 'string') {
    const reason = typeof parsed.reason === 'string' ? parsed.reason : (REASON_BY_CODE[code] ?? '');
    const statusCode = typeof parsed.code === 'number' ? parsed.code : code;
    return new ServerError(statusCode, reason, parsed.message, isRecord(parsed.details) ? parsed.details : undefined);
  }
  const text = body.trim();
  const message = text
    ? `the server responded with the status code ${code}: ${text.slice(0, 500)}`
    : `the server responded with the status code ${code} but did not return more information`;
  return new ServerError(code, REASON_BY_CODE[code] ?? '', message);
}

/** A Status object received inside a watch stream. */
export function serverErrorFromStatus(status: unknown): ServerError {
  if (isRecord(status) && typeof status.message === 'string') {
    const code = typeof status.code === 'number' ? status.code : 500;
    const reason = typeof status.reason === 'string' ? status.reason : (REASON_BY_CODE[code] ?? '');
    return new ServerError(code, reason, status.message);
  }
  return new ServerError(500, 'InternalError', `unexpected watch error: ${JSON.stringify(status)}`);
}

/** The lines to print on stderr for an error that ended a command. */
export function formatError(e: unknown): string {
  if (e instanceof ReportedFailure) return '';
  if (isServerError(e)) return e.format() + '\n';
  if (e instanceof CliError) {
    return e.message
      .split('\n')
      .map((l) => `error: ${l}`)
      .join('\n') + '\n';
  }
  return `error: ${errorMessage(e)}\n`;
}
