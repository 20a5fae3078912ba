/** Answers in the media type the client prefers: Kubernetes protobuf when it asks first for it, else JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListMeta } from '../../shared/api/meta.js';
import { IGNORE_FIELDS, type FieldValidator } from '../../shared/api/schema/index.js';
import { PROTOBUF_MEDIA_TYPE, tryEncodeProtobuf } from './protobuf/index.js';

/** True when the first media type in Accept is protobuf (not a Table or other `as=` view). */
export function prefersProtobuf(req: IncomingMessage): boolean {
  const first = (req.headers.accept ?? '').split(',')[0] ?? '';
  const [type = '', ...params] = first.split(';').map((p) => p.trim().toLowerCase());
  return type === PROTOBUF_MEDIA_TYPE && !params.some((p) => p.startsWith('as='));
}

/** `fields` adds one `Warning` header per unknown field it found in Warn mode. */
export function sendObject(req: IncomingMessage | undefined, res: ServerResponse, code: number, body: unknown, fields: FieldValidator = IGNORE_FIELDS): void {
  const warnings = fields.warningHeaders();
  const extra = warnings.length > 0 ? { Warning: warnings } : {};
  // Objects with a field protobuf has no number for still go out, as JSON (the client accepts both).
  const proto = req && prefersProtobuf(req) ? tryEncodeProtobuf(body) : undefined;
  if (proto) {
    res.writeHead(code, { 'Content-Type': PROTOBUF_MEDIA_TYPE, 'Content-Length': proto.length, ...extra });
    res.end(proto);
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/**
 * A JSON list whose items are already JSON text (the store keeps each object serialized): the
 * items are spliced in, not parsed and encoded again. The same bytes JSON.stringify would give.
 */
export function sendJsonList(res: ServerResponse, list: { apiVersion: string; kind: string; metadata: ListMeta; items: readonly string[] }): void {
  const head = JSON.stringify({ apiVersion: list.apiVersion, kind: list.kind, metadata: list.metadata });
  // Encoded once (measuring a string's UTF-8 length and writing it would walk it twice).
  const body = Buffer.from(`${head.slice(0, -1)},"items":[${list.items.join(',')}]}`);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}
