/** Node: conditions, taints, labels, capacity, pods, events, heartbeat timeline; admin actions. */
import { EventsTable, warningFirst } from '../components/events-table.js';
import { HeartbeatTimeline } from '../components/heartbeat-timeline.js';
import { NodeActions } from '../components/node-actions.js';
import { Table } from '../components/table.js';
import { now, useLive } from '../live.js';
import { ageSince, formatAge, health, podBehind, podState, restarts } from '../model.js';
import { href } from '../router.js';
import type { Live, Role } from '../state.js';

function KeyValues({ values, label }: { values: Record<string, string> | undefined; label: string }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <p>None.</p>;
  return (
    <dl class="kv" aria-label={label}>
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function NodePage({ live, name, role }: { live: Live; name: string; role: Role }) {
  useLive(live.nodes, live.pods, live.events, live.heartbeats);
  void live.nodes.version.value;
  void live.pods.version.value;
  void live.events.version.value;
  void live.heartbeats.version.value;
  const t = now.value;
  const node = live.nodes.get(name);
  if (!node) {
    return (
      <section class="page">
        <h1>Node {name}</h1>
        <p role="status">{live.nodes.synced.value ? 'No such node.' : 'Loading…'}</p>
        <a href={href('fleet')}>Back to the fleet</a>
      </section>
    );
  }
  const seen = live.heartbeats.lastSeen.get(name);
  const h = health(node, seen, t, live.heartbeats.graceMs.value);
  const pods = [...live.pods.items.values()].filter((p) => p.spec?.nodeName === name).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const events = [...live.events.items.values()].filter((e) => e.involvedObject?.name === name || e.source?.host === name).sort(warningFirst);
  const behind = pods.filter(podBehind).length;
  const info = node.status?.nodeInfo;
  const resources = Object.keys({ ...node.status?.capacity, ...node.status?.allocatable });

  return (
    <section class="page node" aria-labelledby="node-title">
      <p class="crumbs">
        <a href={href('fleet')}>Fleet</a> / {name}
      </p>
      <h1 id="node-title">
        {name} <span class={`status ${h}`}>{h}</span>
        {node.spec?.unschedulable && <span class="status cordoned">SchedulingDisabled</span>}
      </h1>
      <p class="facts">
        {[info?.architecture, info?.kubeletVersion, info?.osImage, info?.kernelVersion].filter(Boolean).join(' · ')}
        {seen !== undefined ? ` · last heartbeat ${formatAge(t - seen)} ago` : ''}
      </p>
      {role === 'admin' && <NodeActions node={node} pods={pods} />}

      <h2>Heartbeats</h2>
      <HeartbeatTimeline node={name} />

      <h2>Desired state</h2>
      <p>{behind === 0 ? 'The device runs everything the hub wants on it.' : `${behind} pod change(s) not yet applied by the device.`}</p>

      <h2>Conditions</h2>
      <Table
        label="Conditions"
        headers={['Type', 'Status', 'Reason', 'Message', 'Since']}
        rows={(node.status?.conditions ?? []).map((c) => ({
          key: c.type,
          cells: [c.type, c.status, c.reason ?? '', <span class="message">{c.message ?? ''}</span>, <span title={c.lastTransitionTime}>{ageSince(c.lastTransitionTime, t)}</span>],
        }))}
      />

      <h2>Taints</h2>
      {(node.spec?.taints ?? []).length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class="taints">
          {(node.spec?.taints ?? []).map((x) => (
            <li key={`${x.key}:${x.effect}`}>{`${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`}</li>
          ))}
        </ul>
      )}

      <h2>Labels</h2>
      <KeyValues values={node.metadata.labels} label="Labels" />

      <h2>Capacity</h2>
      <Table
        label="Capacity and allocatable"
        headers={['Resource', 'Capacity', 'Allocatable']}
        rows={resources.map((r) => ({ key: r, cells: [r, node.status?.capacity?.[r] ?? '', node.status?.allocatable?.[r] ?? ''] }))}
      />

      <h2>Pods</h2>
      {pods.length === 0 ? (
        <p>No pods on this node.</p>
      ) : (
        <Table
          label="Pods on this node"
          headers={['Pod', 'State', 'Restarts', 'Age', 'Logs']}
          rows={pods.map((p) => ({
            key: p.metadata.uid ?? p.metadata.name,
            cells: [
              `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`,
              podState(p),
              restarts(p),
              ageSince(p.metadata.creationTimestamp, t),
              <a href={href('logs', p.metadata.namespace ?? 'default', p.metadata.name)}>Logs</a>,
            ],
          }))}
        />
      )}

      <h2>Events</h2>
      <EventsTable events={events} label={`Events of ${name}`} />
    </section>
  );
}
