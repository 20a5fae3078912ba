/** Schema of the `status` message: the NodeStatus parts the hub stores, and the node's labels. */
import { key } from '../api/validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../api/validation/names.js';
import { parseQuantity } from '../api/quantity.js';
import type { Fields, StringRules } from './fields.js';
import { checkRecord, checkString, fail, rfc3339Problems } from './fields.js';
import type { NodeAddress, NodeCondition, NodeDaemonEndpoints, NodeStatusReport, NodeSystemInfo, StatusMessage } from './messages.js';
import { NODE_SYSTEM_INFO_FIELDS } from './messages.js';
import { readRevision } from './revision.js';

const MAX_CONDITIONS = 64;
const MAX_ADDRESSES = 32;
const STATUS_HASH_RE = /^[0-9a-f]{8}$/;

const TIMESTAMP: StringRules = { check: rfc3339Problems };
const QUALIFIED: StringRules = { check: isQualifiedName };
export const LABEL_KEY: StringRules = { check: isQualifiedName };
export const LABEL_VALUE: StringRules = { empty: true, check: isValidLabelValue };
export const ANNOTATION_KEY: StringRules = { check: (k) => isQualifiedName(k.toLowerCase()) };
export const ANNOTATION_VALUE: StringRules = { empty: true };

export function statusHashProblems(s: string): string[] {
  return STATUS_HASH_RE.test(s) ? [] : ['expected 8 lowercase hex digits'];
}

function readConditions(status: Fields): NodeCondition[] {
  const seen = new Set<string>();
  return status.array('conditions', MAX_CONDITIONS).map(({ item, path }) => {
    const c = checkRecord(item, path);
    const type = c.string('type', { max: 316, check: isQualifiedName });
    if (seen.has(type)) fail(c.at('type'), `duplicate condition type "${type}"`);
    seen.add(type);
    const out: NodeCondition = { type, status: c.oneOf('status', ['True', 'False', 'Unknown'] as const) };
    const reason = c.optString('reason', { empty: true, max: 1024 });
    const message = c.optString('message', { empty: true, max: 32 * 1024 });
    const lastHeartbeatTime = c.optString('lastHeartbeatTime', TIMESTAMP);
    const lastTransitionTime = c.optString('lastTransitionTime', TIMESTAMP);
    if (reason !== undefined) out.reason = reason;
    if (message !== undefined) out.message = message;
    if (lastHeartbeatTime !== undefined) out.lastHeartbeatTime = lastHeartbeatTime;
    if (lastTransitionTime !== undefined) out.lastTransitionTime = lastTransitionTime;
    return out;
  });
}

function readAddresses(status: Fields): NodeAddress[] {
  return status.array('addresses', MAX_ADDRESSES).map(({ item, path }) => {
    const a = checkRecord(item, path);
    return { type: a.string('type', { max: 64 }), address: a.string('address', { max: 253 }) };
  });
}

/** Resource name → non-negative quantity string. */
function readResourceList(status: Fields, name: string): Record<string, string> {
  const list = status.record(name);
  const out: [string, string][] = [];
  for (const [res, raw] of Object.entries(list.obj)) {
    const path = key(list.path, res.length > 64 ? `${res.slice(0, 61)}...` : res);
    checkString(res, path, QUALIFIED);
    const value = checkString(raw, path);
    const q = parseQuantity(value, path);
    if (typeof q !== 'number') fail(path, q.message);
    if (q < 0) fail(path, 'must be greater than or equal to 0');
    out.push([res, value]);
  }
  return Object.fromEntries(out);
}

/** Known NodeSystemInfo fields, each a string; unknown ones are dropped. */
function readNodeInfo(status: Fields): NodeSystemInfo {
  const info = status.record('nodeInfo');
  const out: NodeSystemInfo = {};
  for (const f of NODE_SYSTEM_INFO_FIELDS) {
    const v = info.optString(f, { empty: true, max: 256 });
    if (v !== undefined) out[f] = v;
  }
  return out;
}

function readDaemonEndpoints(status: Fields): NodeDaemonEndpoints | undefined {
  const d = status.optRecord('daemonEndpoints');
  if (!d) return undefined;
  const kubelet = d.optRecord('kubeletEndpoint');
  return kubelet ? { kubeletEndpoint: { Port: kubelet.int('Port', 0, 65535) } } : {};
}

function readNodeStatus(f: Fields): NodeStatusReport {
  const status = f.record('status');
  const out: NodeStatusReport = {
    conditions: readConditions(status),
    addresses: readAddresses(status),
    capacity: readResourceList(status, 'capacity'),
    allocatable: readResourceList(status, 'allocatable'),
    nodeInfo: readNodeInfo(status),
  };
  const daemonEndpoints = readDaemonEndpoints(status);
  if (daemonEndpoints) out.daemonEndpoints = daemonEndpoints;
  return out;
}

export function readStatusMessage(f: Fields): StatusMessage {
  const hash = f.string('hash', { check: statusHashProblems });
  const status = readNodeStatus(f);
  const labels = f.stringMap('labels', LABEL_KEY, LABEL_VALUE);
  const annotations = f.optStringMap('annotations', ANNOTATION_KEY, ANNOTATION_VALUE);
  const out: StatusMessage = { v: 1, t: 'status', hash, status, labels };
  if (annotations) out.annotations = annotations;
  if (f.has('applied')) out.applied = readRevision(f, 'applied');
  return out;
}
