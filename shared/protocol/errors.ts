/** A message, topic part or credential that does not follow the protocol. */
export class ProtocolError extends Error {
  constructor(
    /** Path of the offending part: `status.capacity[cpu]`, `events[2].reason`, `payload`, `v`. */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'ProtocolError';
  }
}

export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}
