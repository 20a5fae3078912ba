/**
 * core/v1 Volume (Kubernetes v1.32). Every volume source Kubernetes has is a known field, so a
 * valid manifest decodes; validation then refuses the sources Flotilla does not run, whose
 * insides are therefore not checked here.
 */
import { bool, fields, freeForm, int, list, quantity, str } from './dsl.js';

const KeyToPath = fields({ key: str, path: str, mode: int });

const UNSUPPORTED_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim',
  'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'vsphereVolume', 'quobyte',
  'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
] as const;

export const Volume = fields({
  name: str,
  emptyDir: fields({ medium: str, sizeLimit: quantity }),
  hostPath: fields({ path: str, type: str }),
  configMap: fields({ name: str, items: list(KeyToPath), defaultMode: int, optional: bool }),
  secret: fields({ secretName: str, items: list(KeyToPath), defaultMode: int, optional: bool }),
  ...Object.fromEntries(UNSUPPORTED_SOURCES.map((s) => [s, freeForm])),
});
