/** A key or key file that is not what it claims to be; `field` names the offending part. */
export class KeyFormatError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'KeyFormatError';
  }
}
