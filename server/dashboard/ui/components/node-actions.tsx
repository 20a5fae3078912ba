/** Admin actions on one node, each behind a confirmation that names it: cordon, uncordon, drain, taint, label. */
import { useState } from 'preact/hooks';
import { patch, post } from '../api.js';
import type { Node, Pod } from '../types.js';
import { Confirm } from './confirm.js';

type Action = 'cordon' | 'uncordon' | 'drain' | 'taint' | 'label';

const TAINT_RE = /^([A-Za-z0-9][-A-Za-z0-9_./]*)(?:=([-A-Za-z0-9_.]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
const LABEL_RE = /^([A-Za-z0-9][-A-Za-z0-9_./]*)(?:=([-A-Za-z0-9_.]*)|(-))$/;

/** Pods a drain evicts: everything on the node not managed by a DaemonSet and not finished. */
export function drainablePods(pods: Pod[]): Pod[] {
  return pods.filter(
    (p) => !p.metadata.deletionTimestamp && !(p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet') && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
  );
}

function podPath(p: Pod): string {
  return `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace ?? 'default')}/pods/${encodeURIComponent(p.metadata.name)}`;
}

export function NodeActions({ node, pods }: { node: Node; pods: Pod[] }) {
  const name = node.metadata.name;
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  const [open, setOpen] = useState<Action | undefined>();
  const [input, setInput] = useState('');
  const cordoned = node.spec?.unschedulable === true;
  const close = (): void => {
    setOpen(undefined);
    setInput('');
  };
  const drain = drainablePods(pods);

  const dialogs: Record<Action, () => preact.JSX.Element> = {
    cordon: () => (
      <Confirm title={`Cordon node ${name}?`} action={`Cordon ${name}`} onClose={close} onConfirm={() => patch(path, { spec: { unschedulable: true } })}>
        <p>No new pods will be scheduled on {name}. Pods already there keep running.</p>
      </Confirm>
    ),
    uncordon: () => (
      <Confirm title={`Uncordon node ${name}?`} action={`Uncordon ${name}`} onClose={close} onConfirm={() => patch(path, { spec: { unschedulable: null } })}>
        <p>{name} will accept new pods again.</p>
      </Confirm>
    ),
    drain: () => (
      <Confirm
        title={`Drain node ${name}?`}
        action={`Drain ${name}`}
        danger
        onClose={close}
        onConfirm={async () => {
          await patch(path, { spec: { unschedulable: true } });
          // Evictions, as kubectl drain: a PodDisruptionBudget that forbids one answers 429 and the dialog shows why.
          for (const p of drain) {
            await post(`${podPath(p)}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: p.metadata.namespace ?? 'default' } });
          }
        }}
      >
        <p>
          {name} is cordoned and {drain.length === 0 ? 'no pods need to be evicted' : `these ${drain.length} pods are evicted`} (PodDisruptionBudgets are respected; DaemonSet pods stay).
        </p>
        <ul class="drain-list">
          {drain.map((p) => (
            <li key={p.metadata.uid ?? p.metadata.name}>{`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`}</li>
          ))}
        </ul>
      </Confirm>
    ),
    taint: () => {
      const m = TAINT_RE.exec(input.trim());
      return (
        <Confirm
          title={`Taint node ${name}`}
          action={`Taint ${name}`}
          onClose={close}
          onConfirm={async () => {
            if (!m?.[1] || !m[3]) throw new Error('write the taint as key=value:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute)');
            const taints = [...(node.spec?.taints ?? []).filter((t) => !(t.key === m[1] && t.effect === m[3])), { key: m[1], ...(m[2] ? { value: m[2] } : {}), effect: m[3] }];
            await patch(path, { spec: { taints } });
          }}
        >
          <label>
            Taint (key=value:Effect)
            <input type="text" value={input} placeholder="dedicated=camera:NoSchedule" onInput={(e) => setInput((e.currentTarget).value)} />
          </label>
        </Confirm>
      );
    },
    label: () => {
      const m = LABEL_RE.exec(input.trim());
      return (
        <Confirm
          title={`Label node ${name}`}
          action={`Label ${name}`}
          onClose={close}
          onConfirm={async () => {
            if (!m?.[1]) throw new Error('write the label as key=value, or key- to remove it');
            await patch(path, { metadata: { labels: { [m[1]]: m[3] ? null : (m[2] ?? '') } } });
          }}
        >
          <label>
            Label (key=value, or key- to remove)
            <input type="text" value={input} placeholder="ring=canary" onInput={(e) => setInput((e.currentTarget).value)} />
          </label>
        </Confirm>
      );
    },
  };

  return (
    <div class="actions" role="group" aria-label={`Actions on ${name}`}>
      {cordoned ? (
        <button type="button" onClick={() => setOpen('uncordon')}>
          Uncordon
        </button>
      ) : (
        <button type="button" onClick={() => setOpen('cordon')}>
          Cordon
        </button>
      )}
      <button type="button" onClick={() => setOpen('drain')}>
        Drain
      </button>
      <button type="button" onClick={() => setOpen('taint')}>
        Taint
      </button>
      <button type="button" onClick={() => setOpen('label')}>
        Label
      </button>
      {open && dialogs[open]()}
    </div>
  );
}
