/** API errors as Kubernetes `Status` objects, naming the field at fault. */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusCause {
  /** Kubernetes cause types: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, … */
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  /** Set on 429 TooManyRequests: when the client may try again (also sent as Retry-After). */
  retryAfterSeconds?: number;
}

export interface Status {
  apiVersion: 'v1';
  kind: 'Status';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** A field-level problem found while validating input. */
export interface FieldError {
  field: string;
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueTooLong' | 'FieldValueForbidden' | 'FieldValueDuplicate' | 'FieldValueTypeInvalid';
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = {
      apiVersion: 'v1',
      kind: 'Status',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }

  static badRequest(message: string, field?: string): ApiError {
    const causes = field ? [{ reason: 'FieldValueInvalid', message, field }] : undefined;
    return new ApiError(400, 'BadRequest', field ? `${field}: ${message}` : message, causes ? { causes } : undefined);
  }

  /** `resource` as Kubernetes names it in messages: `pods`, `daemonsets.apps`. */
  static notFound(resource: string, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
  }

  static alreadyExists(kind: string, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${kind} "${name}" already exists`, { name, kind });
  }

  static conflict(kind: string, name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${kind} "${name}": ${why}`, { name, kind });
  }

  /** 422 with one cause per field error, as Kubernetes reports validation failures. */
  static invalid(kind: string, name: string, errors: FieldError[]): ApiError {
    const list = errors.map((e) => `${e.field}: ${e.message}`).join(', ');
    return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, {
      name,
      kind,
      causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    });
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
