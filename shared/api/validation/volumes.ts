/** Pod volumes: Flotilla runs emptyDir, hostPath, configMap and secret volumes on the device. */
import type { FieldReader } from './reader.js';
import { NON_NEGATIVE, duplicate, forbidden, invalid, invalidEach, notSupported, required } from './field-errors.js';
import { isDNS1123Label, nameIsDNSSubdomain } from './names.js';
import { parseQuantity } from '../quantity.js';

export const SUPPORTED_VOLUME_SOURCES = ['emptyDir', 'hostPath', 'configMap', 'secret'] as const;

/** Volume sources Kubernetes has that Flotilla does not run. */
const UNSUPPORTED_VOLUME_SOURCES = [
  'persistentVolumeClaim', 'ephemeral', 'projected', 'downwardAPI', 'csi', 'image', 'nfs', 'iscsi', 'glusterfs',
  'rbd', 'cephfs', 'cinder', 'flexVolume', 'flocker', 'fc', 'azureFile', 'azureDisk', 'vsphereVolume', 'quobyte',
  'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo',
] as const;

const UNSUPPORTED_DETAIL = 'Flotilla supports emptyDir, hostPath, configMap and secret volumes; keep persistent data in a hostPath volume on the device';

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;
const STORAGE_MEDIA = ['', 'Memory'] as const;

/** A path below the volume root: relative, no `..` segment. */
export function validateLocalDescendingPath(r: FieldReader, name: string): void {
  const p = r.string(name);
  if (p === undefined) return;
  if (p.startsWith('/')) r.errs.push(invalid(r.at(name), p, 'must be a relative path'));
  if (p.split('/').includes('..')) r.errs.push(invalid(r.at(name), p, "must not contain '..'"));
}

function validateMode(r: FieldReader, name: string): void {
  const mode = r.int(name);
  if (mode !== undefined && (mode < 0 || mode > 0o777)) {
    r.errs.push(invalid(r.at(name), mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
  }
}

/** The `items` of configMap and secret volumes: which keys to project, and where. */
function validateKeyToPaths(src: FieldReader): void {
  for (const { item } of src.records('items') ?? []) {
    item.requiredString('key');
    if (item.requiredString('path') !== undefined) validateLocalDescendingPath(item, 'path');
    validateMode(item, 'mode');
  }
}

function validateObjectRefName(src: FieldReader, name: string): void {
  const n = src.requiredString(name);
  if (n) src.errs.push(...invalidEach(src.at(name), n, nameIsDNSSubdomain(n)));
}

function validateSource(kind: string, src: FieldReader): void {
  const errs = src.errs;
  switch (kind) {
    case 'emptyDir': {
      const medium = src.string('medium');
      if (medium !== undefined && !(STORAGE_MEDIA as readonly string[]).includes(medium)) {
        errs.push(notSupported(src.at('medium'), medium, STORAGE_MEDIA));
      }
      if (src.has('sizeLimit')) {
        const q = parseQuantity(src.raw('sizeLimit'), src.at('sizeLimit'));
        if (typeof q !== 'number') errs.push(q);
        else if (q < 0) errs.push(invalid(src.at('sizeLimit'), src.raw('sizeLimit'), NON_NEGATIVE));
      }
      break;
    }
    case 'hostPath': {
      const p = src.requiredString('path');
      if (p?.split('/').includes('..')) errs.push(invalid(src.at('path'), p, "must not contain '..'"));
      const type = src.string('type');
      if (type !== undefined && !(HOST_PATH_TYPES as readonly string[]).includes(type)) {
        errs.push(notSupported(src.at('type'), type, HOST_PATH_TYPES));
      }
      break;
    }
    case 'configMap':
    case 'secret':
      validateObjectRefName(src, kind === 'configMap' ? 'name' : 'secretName');
      validateKeyToPaths(src);
      validateMode(src, 'defaultMode');
      src.bool('optional');
      break;
  }
}

/** Validates `volumes` of a pod spec and returns the names declared. */
export function validateVolumes(spec: FieldReader): Set<string> {
  const names = new Set<string>();
  const errs = spec.errs;
  for (const { item } of spec.records('volumes') ?? []) {
    const name = item.requiredString('name');
    if (name) {
      errs.push(...invalidEach(item.at('name'), name, isDNS1123Label(name)));
      if (names.has(name)) errs.push(duplicate(item.at('name'), name));
      names.add(name);
    }
    let sources = 0;
    for (const kind of UNSUPPORTED_VOLUME_SOURCES) {
      if (!item.has(kind)) continue;
      sources++;
      errs.push(notSupported(item.at(kind), kind, SUPPORTED_VOLUME_SOURCES, UNSUPPORTED_DETAIL));
    }
    for (const kind of SUPPORTED_VOLUME_SOURCES) {
      if (!item.has(kind)) continue;
      if (sources++ > 0) {
        errs.push(forbidden(item.at(kind), 'may not specify more than 1 volume type'));
        continue;
      }
      const src = item.record(kind);
      if (src) validateSource(kind, src);
    }
    if (sources === 0) errs.push(required(item.path, 'must specify a volume type'));
  }
  return names;
}
