/** What taint, cordon, uncordon and drain share: naming nodes, reading them, patching them. */
import { kindByName, type KindInfo } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { TAINT_NODE_UNREACHABLE, taintsOf } from '../../../shared/api/taints.js';
import { fromStore, type Node } from '../../../shared/api/types/index.js';
import type { ApiClient } from '../client.js';
import { CliError, isServerError } from '../errors.js';
import { asKubeObject, getObject, listObjects } from '../objects.js';
import { resourcePath } from '../resources.js';

export function nodeInfo(): KindInfo {
  const info = kindByName('Node');
  if (!info) throw new Error('the Node kind is not served');
  return info;
}

const NODE_TYPES = new Set(['node', 'nodes', 'no']);

export function isNodeType(word: string): boolean {
  return NODE_TYPES.has(word.toLowerCase());
}

/** `NAME`, or `node/NAME` / `nodes/NAME` (what kubectl cordon and drain accept). */
export function nodeNameArg(arg: string): string {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const type = arg.slice(0, slash);
  const name = arg.slice(slash + 1);
  if (!isNodeType(type)) throw new CliError(`invalid resource type ${type}, only node types are supported`);
  if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name: "${arg}"`);
  return name;
}

/** The nodes named, or selected with -l, or all of them with --all. */
export async function selectNodes(client: ApiClient, names: string[], opts: { selector?: string; all?: boolean }): Promise<KubeObject[]> {
  const info = nodeInfo();
  if (names.length > 0 && (opts.selector || opts.all)) throw new CliError('cannot specify both node names and a selector or --all');
  if (names.length > 0) {
    const nodes: KubeObject[] = [];
    for (const n of names) nodes.push(await getObject(client, info, undefined, n));
    return nodes;
  }
  if (!opts.selector && !opts.all) throw new CliError('resource(s) were provided, but no name was specified');
  const list = await listObjects(client, info, undefined, opts.selector ? { labelSelector: opts.selector } : {});
  return list.items;
}

/**
 * Reads the node, lets `change` compute a merge patch of `spec` from it (undefined = nothing
 * to do), and sends it guarded by the resourceVersion read; a conflict reads again.
 */
export async function patchNodeSpec(
  client: ApiClient,
  name: string,
  change: (node: Node) => Record<string, unknown> | undefined,
  first?: KubeObject,
): Promise<{ node: KubeObject; changed: boolean }> {
  const info = nodeInfo();
  let node = first ?? (await getObject(client, info, undefined, name));
  for (let attempt = 0; ; attempt++) {
    const spec = change(fromStore('Node', node));
    if (spec === undefined) return { node, changed: false };
    try {
      const answer = await client.requestObject({
        method: 'PATCH',
        path: resourcePath(info, undefined, name),
        contentType: 'application/merge-patch+json',
        body: { metadata: { resourceVersion: node.metadata.resourceVersion }, spec },
      });
      return { node: asKubeObject(answer, info), changed: true };
    } catch (e: unknown) {
      if (!isServerError(e) || e.code !== 409 || attempt >= 4) throw e;
      node = await getObject(client, info, undefined, name);
    }
  }
}

/** The agent cannot act on the node now: it is tainted unreachable or its Ready condition is Unknown. */
export function nodeUnreachable(obj: KubeObject): boolean {
  const node = fromStore('Node', obj);
  if (taintsOf(node).some((t) => t.key === TAINT_NODE_UNREACHABLE)) return true;
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'Unknown');
}

export function isUnschedulable(obj: KubeObject): boolean {
  return fromStore('Node', obj).spec?.unschedulable === true;
}
