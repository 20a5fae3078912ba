/** ConfigMap: `data` (strings) and `binaryData` (base64) under distinct config keys, 1 MiB in all. */
import type { FieldReader } from './reader.js';
import { invalid, key, tooLong } from './field-errors.js';
import { MAX_DATA_SIZE, readDataMap, totalSize } from './data.js';

export function validateConfigMap(obj: FieldReader): void {
  const data = readDataMap(obj, 'data', { base64: false, redact: false });
  const binary = readDataMap(obj, 'binaryData', { base64: true, redact: false });
  for (const k of data.keys()) {
    if (binary.has(k)) obj.errs.push(invalid(key(obj.at('data'), k), k, 'duplicate of key present in binaryData'));
  }
  if (totalSize(data, binary) > MAX_DATA_SIZE) obj.errs.push(tooLong(obj.at('data'), MAX_DATA_SIZE));
  obj.bool('immutable');
}
