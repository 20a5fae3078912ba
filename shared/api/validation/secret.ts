/** Secret: base64 `data`, plain `stringData`, and the keys each well-known `type` requires. */
import { isRecord } from '../../util/guards.js';
import type { FieldReader } from './reader.js';
import { invalidRedacted, key, required, tooLong } from './field-errors.js';
import { MAX_DATA_SIZE, readDataMap, totalSize } from './data.js';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';

/** Keys a typed Secret must hold (in `data` or `stringData`). */
const REQUIRED_KEYS: Record<string, readonly string[]> = {
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** Types whose one key must hold JSON. */
const JSON_KEY: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

export function validateSecret(obj: FieldReader): void {
  const errs = obj.errs;
  const data = readDataMap(obj, 'data', { base64: true, redact: true });
  const stringData = readDataMap(obj, 'stringData', { base64: false, redact: true });
  // Kubernetes folds stringData into data (stringData wins) before it validates.
  const merged = new Map([...data, ...stringData]);
  const dataPath = obj.at('data');

  const type = obj.string('type') ?? '';
  for (const k of REQUIRED_KEYS[type] ?? []) {
    if (!merged.has(k)) errs.push(required(key(dataPath, k)));
  }
  const jsonKey = JSON_KEY[type];
  const json = jsonKey === undefined ? undefined : merged.get(jsonKey);
  if (jsonKey !== undefined && json !== undefined) {
    try {
      JSON.parse(json.toString('utf8'));
    } catch (e: unknown) {
      errs.push(invalidRedacted(key(dataPath, jsonKey), `must be valid JSON: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
  if (type === 'kubernetes.io/basic-auth' && !merged.has('username') && !merged.has('password')) {
    errs.push(required(key(dataPath, 'username')), required(key(dataPath, 'password')));
  }
  if (type === 'kubernetes.io/service-account-token') {
    const meta = obj.raw('metadata');
    const annotations = isRecord(meta) ? meta['annotations'] : undefined;
    const sa = isRecord(annotations) ? annotations['kubernetes.io/service-account.name'] : undefined;
    if (typeof sa !== 'string' || sa === '') errs.push(required(key(obj.at('metadata.annotations'), 'kubernetes.io/service-account.name')));
  }

  if (totalSize(merged) > MAX_DATA_SIZE) errs.push(tooLong(dataPath, MAX_DATA_SIZE));
  obj.bool('immutable');
}
