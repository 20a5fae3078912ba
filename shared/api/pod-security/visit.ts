/** What the checks share: the pod's containers with their field paths, and Kubernetes' wording helpers. */
import type { Container, ObjectMeta, PodSpec } from '../types/index.js';

/** The pod as the checks read it (a Pod, or a DaemonSet's pod template). */
export interface PodView {
  metadata: ObjectMeta;
  spec: PodSpec;
  /** `spec` of a Pod, `spec.template.spec` of a template. */
  specPath: string;
  /** `metadata` of a Pod, `spec.template.metadata` of a template. */
  metadataPath: string;
}

export interface VisitedContainer {
  container: Container;
  /** `spec.containers[0]`, `spec.initContainers[1]`, … */
  path: string;
}

/** Init, regular and ephemeral containers, in Kubernetes' visiting order. */
export function containersOf(pod: PodView): VisitedContainer[] {
  const out: VisitedContainer[] = [];
  const add = (list: readonly Container[] | undefined, field: string): void => {
    (list ?? []).forEach((container, i) => out.push({ container, path: `${pod.specPath}.${field}[${i}]` }));
  };
  add(pod.spec.initContainers, 'initContainers');
  add(pod.spec.containers, 'containers');
  add(pod.spec.ephemeralContainers, 'ephemeralContainers');
  return out;
}

export function pluralize(one: string, many: string, n: number): string {
  return n === 1 ? one : many;
}

export function joinQuote(items: readonly string[]): string {
  return items.map((s) => JSON.stringify(s)).join(', ');
}

/** `container "a"` / `containers "a", "b"`. */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** A check's verdict when the pod fails it: Kubernetes' reason and detail, and the fields at fault. */
export interface Violation {
  reason: string;
  detail: string;
  fields: string[];
}

export function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}
