/** Reads request bodies under a size limit and decodes JSON or YAML into plain values. */
import type { IncomingMessage } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { ApiError } from '../../shared/api/errors.js';
import { decodeProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf/index.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function patchTypeOf(req: IncomingMessage): PatchType {
  const t = PATCH_TYPES[mediaType(req)];
  if (!t) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
    );
  }
  return t;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** Deeper bodies are refused: no Kubernetes object comes close, and deep recursion later could exhaust the stack. */
export const MAX_BODY_DEPTH = 100;
/** YAML aliases a body may use (an anchor bomb expands a few lines into gigabytes). */
const MAX_YAML_ALIASES = 100;

/** Checks nesting without recursion. */
function checkDepth(value: unknown, max: number): unknown {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() ?? [undefined, 0];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) throw ApiError.badRequest(`the request body is nested deeper than ${max} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return value;
}

/** Decodes a JSON, YAML or Kubernetes protobuf body (one document), no deeper than MAX_BODY_DEPTH. YAML is accepted for writes, as Kubernetes does. */
export function decodeBody(raw: Buffer, type: string): unknown {
  if (type === PROTOBUF_MEDIA_TYPE) return checkDepth(decodeProtobuf(raw), MAX_BODY_DEPTH);
  return checkDepth(decodeText(raw, type), MAX_BODY_DEPTH);
}

function decodeText(raw: Buffer, type: string): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') throw ApiError.badRequest('the request body is empty');
  const yamlish = type.includes('yaml');
  if (!yamlish) {
    try {
      return JSON.parse(text) as unknown;
    } catch (e: unknown) {
      const detail = e instanceof SyntaxError ? e.message : 'invalid JSON';
      throw ApiError.badRequest(`the request body is not valid JSON: ${detail}`);
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs) || docs.length !== 1) {
    throw ApiError.badRequest('the request body must hold exactly one YAML document');
  }
  const doc = docs[0];
  if (!doc) throw ApiError.badRequest('the request body is empty');
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw ApiError.badRequest(`the request body is not valid YAML${line ? ` (line ${line})` : ''}: ${err.message}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  } catch (e: unknown) {
    // The yaml library refuses excessive alias expansion (and alias cycles) with a ReferenceError.
    if (e instanceof ReferenceError || e instanceof RangeError) throw ApiError.badRequest(`the request body is not acceptable YAML: ${e.message}`);
    throw e;
  }
}
