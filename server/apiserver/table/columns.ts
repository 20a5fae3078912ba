/** The column definitions of each served kind's Table, as the Kubernetes API server prints them. */
import type { TableColumnDefinition, TableColumnType } from '../../../shared/api/table.js';

const D_NAME =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.';
const D_AGE =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations.';

function col(name: string, type: TableColumnType, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const NAME_COL = col('Name', 'string', D_NAME, 0, 'name');
const AGE_COL = col('Age', 'string', D_AGE);

export const NODE_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Status', 'string', 'The status of the node'),
  col('Roles', 'string', 'The roles of the node'),
  AGE_COL,
  col('Version', 'string', 'Kubelet Version reported by the node.'),
  col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
  col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
  col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
  col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
  col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  col('Desired', 'string', 'Revision of the latest desired-state document the hub issued for the node.', 1),
  col('Applied', 'string', 'Revision of the desired-state document the device reports it has carried out.', 1),
  col('Sync', 'string', 'Current, Behind (not caught up yet, e.g. offline), Ahead (the hub was restored from an older copy) or Unknown.', 1),
];

export const POD_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 'The aggregate status of the containers in this pod.'),
  col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  AGE_COL,
  col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
  col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
  col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
  col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
];

export const DAEMONSET_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
  col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
  col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
  col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
  col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
  AGE_COL,
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'A label query over pods that are managed by the daemon set.', 1),
];

export const NAMESPACE_COLUMNS: TableColumnDefinition[] = [NAME_COL, col('Status', 'string', 'The status of the namespace'), AGE_COL];

export const CONFIGMAP_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Data', 'integer', 'Data contains the configuration data.'),
  AGE_COL,
];

export const SECRET_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
  col('Data', 'integer', 'Data contains the secret data.'),
  AGE_COL,
];

export const EVENT_COLUMNS: TableColumnDefinition[] = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  col('Object', 'string', 'The object that this event is about.'),
  col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
  col('Source', 'string', 'The component reporting this event.', 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'string', 'The time at which the event was first recorded.', 1),
  col('Count', 'string', 'The number of times this event has occurred.', 1),
  col('Name', 'string', D_NAME, 1, 'name'),
];

export const CONTROLLERREVISION_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Controller', 'string', 'Controller of the object'),
  col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
  AGE_COL,
];

export const DEFAULT_COLUMNS: TableColumnDefinition[] = [NAME_COL, AGE_COL];

export const PDB_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Min Available', 'string', 'The minimum number of pods that must be available.'),
  col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
  col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
  AGE_COL,
];
