/**
 * A pod's required node placement — `spec.nodeSelector` plus
 * `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution` — matched against a
 * node as component-helpers' `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)` does:
 * every nodeSelector label must be equal; the terms are ORed; within a term every
 * matchExpressions (labels) and matchFields (`metadata.name`) requirement must hold; a term
 * with no requirements, or one that does not parse, matches nothing.
 */
import { matchesLabels, type SelectorOperator } from './label-selector.js';
import type { PodSpec } from './types/pod.js';
import type { NodeSelectorRequirement as StoredRequirement, NodeSelectorTerm as StoredTerm } from './types/scheduling.js';

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values: string[];
}

export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
  matchFields: NodeSelectorRequirement[];
  /** The term did not parse (unknown operator, Gt without one integer…): it matches nothing. */
  invalid?: boolean;
}

export interface RequiredNodePlacement {
  nodeSelector: Record<string, string>;
  /** Undefined: no required node affinity (every node passes this half). */
  terms?: NodeSelectorTerm[];
}

/** What placement looks at on a node. */
export interface NodePlacementFacts {
  name: string;
  labels: Readonly<Record<string, string>>;
}

const OPERATORS: readonly NodeSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

function isOperator(v: unknown): v is NodeSelectorOperator {
  return typeof v === 'string' && (OPERATORS as readonly string[]).includes(v);
}
const INTEGER_RE = /^[+-]?[0-9]+$/;

function parseRequirement(raw: StoredRequirement, isField: boolean): NodeSelectorRequirement | undefined {
  const op = raw.operator;
  if (raw.key === undefined || !isOperator(op)) return undefined;
  const values = raw.values ?? [];
  if ((op === 'In' || op === 'NotIn') && values.length === 0) return undefined;
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) return undefined;
  if ((op === 'Gt' || op === 'Lt') && (values.length !== 1 || !INTEGER_RE.test(values[0] ?? ''))) return undefined;
  // Fields: only metadata.name, with In / NotIn (Kubernetes' field selector for node affinity).
  if (isField && (raw.key !== 'metadata.name' || (op !== 'In' && op !== 'NotIn'))) return undefined;
  return { key: raw.key, operator: op, values };
}

function parseTerm(raw: StoredTerm): NodeSelectorTerm {
  const term: NodeSelectorTerm = { matchExpressions: [], matchFields: [] };
  for (const [list, isField] of [['matchExpressions', false], ['matchFields', true]] as const) {
    for (const item of raw[list] ?? []) {
      const r = parseRequirement(item, isField);
      if (!r) return { ...term, invalid: true };
      term[list].push(r);
    }
  }
  return term;
}

/** Reads the required placement from a pod spec (a Pod's or a DaemonSet template's). */
export function requiredNodePlacement(podSpec: Pick<PodSpec, 'nodeSelector' | 'affinity'>): RequiredNodePlacement {
  const out: RequiredNodePlacement = { nodeSelector: { ...(podSpec.nodeSelector ?? {}) } };
  const required = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) out.terms = (required.nodeSelectorTerms ?? []).map(parseTerm);
  return out;
}

/** As Kubernetes' `NodeSelectorRequirementsAsSelector`: the same rules as a label selector's. */
const AS_LABEL_OPERATOR: Record<NodeSelectorOperator, SelectorOperator> = {
  In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist', Gt: 'GreaterThan', Lt: 'LessThan',
};

function holds(reqs: readonly NodeSelectorRequirement[], labels: Readonly<Record<string, string>>): boolean {
  return matchesLabels({ requirements: reqs.map((r) => ({ key: r.key, operator: AS_LABEL_OPERATOR[r.operator], values: r.values })) }, labels);
}

export function termMatches(term: NodeSelectorTerm, node: NodePlacementFacts): boolean {
  if (term.invalid || (term.matchExpressions.length === 0 && term.matchFields.length === 0)) return false;
  return holds(term.matchExpressions, node.labels) && holds(term.matchFields, { 'metadata.name': node.name });
}

/** Which half failed, for messages: undefined = the node satisfies the pod's required placement. */
export function placementMismatch(p: RequiredNodePlacement, node: NodePlacementFacts): 'nodeSelector' | 'nodeAffinity' | undefined {
  for (const [k, v] of Object.entries(p.nodeSelector)) {
    if (!Object.hasOwn(node.labels, k) || node.labels[k] !== v) return 'nodeSelector';
  }
  if (p.terms !== undefined && !p.terms.some((t) => termMatches(t, node))) return 'nodeAffinity';
  return undefined;
}
