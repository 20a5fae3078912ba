/** Flotilla's release version; a unit test keeps it equal to package.json's. */
export const FLOTILLA_VERSION = '0.1.0';

/** The Kubernetes minor version whose API semantics the hub follows and the agent reports as its kubelet version. */
export const KUBE_COMPAT = { major: '1', minor: '32' };
