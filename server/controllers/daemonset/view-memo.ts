/**
 * The planner's views of cached objects, kept per object. The cache replaces an object on every
 * change (it never changes one in place), so a view kept for an object never goes stale, and a
 * pass over the fleet builds only the views of what changed since the last pass: during a
 * rollout every pod change is a pass over every node, and building each node's view again
 * (quantities parsed, pods walked) was a good part of the hub's time.
 */
import type { Node, Pod } from '../../../shared/api/types/index.js';
import { daemonPodView, nodeFacts, residentOf } from './observe.js';
import type { DaemonPodView, NodeView, ResidentPod } from './view.js';

export class ViewMemo {
  private readonly facts = new WeakMap<Node, Omit<NodeView, 'residents'>>();
  private readonly residents = new WeakMap<Pod, ResidentPod[]>();
  private readonly pods = new WeakMap<Pod, DaemonPodView>();

  node(node: Node, podsOnNode: readonly Pod[]): NodeView {
    let facts = this.facts.get(node);
    if (!facts) this.facts.set(node, (facts = nodeFacts(node)));
    return { ...facts, residents: podsOnNode.flatMap((p) => this.resident(p)) };
  }

  pod(pod: Pod): DaemonPodView {
    let view = this.pods.get(pod);
    if (!view) this.pods.set(pod, (view = daemonPodView(pod)));
    return view;
  }

  private resident(pod: Pod): ResidentPod[] {
    let r = this.residents.get(pod);
    if (!r) this.residents.set(pod, (r = residentOf(pod)));
    return r;
  }
}
