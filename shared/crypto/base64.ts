/**
 * Strict base64 and base64url. Node's decoder skips characters it does not know and ignores
 * padding bits; keys and signatures arrive from the network, so these refuse anything that
 * does not re-encode to exactly the same text.
 */

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Padded standard base64; undefined when `text` is not canonical base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64_RE.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64') === text ? new Uint8Array(buf) : undefined;
}

/** Unpadded base64url; undefined when `text` is not canonical base64url. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!BASE64URL_RE.test(text) || text.length % 4 === 1) return undefined;
  const buf = Buffer.from(text, 'base64url');
  return buf.toString('base64url') === text ? new Uint8Array(buf) : undefined;
}
