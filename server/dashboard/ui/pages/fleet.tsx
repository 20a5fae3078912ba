/** Fleet: counts, the heartbeat-age picture, and the node table (filter, sort, live ages). */
import { useMemo, useState } from 'preact/hooks';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../../../../shared/api/label-selector.js';
import { Histogram } from '../components/histogram.js';
import { VirtualTable, type Column, type SortDir } from '../components/virtual-table.js';
import { now, useLive } from '../live.js';
import { AGE_BUCKETS, ageHistogram, formatAge, health, nodePods, nodeRow, type Health, type NodeRow } from '../model.js';
import { href } from '../router.js';
import type { Live } from '../state.js';

type SortKey = 'name' | 'status' | 'age' | 'arch' | 'agent' | 'temp' | 'pods' | 'labels';

function selectorOf(text: string): { sel?: LabelSelector; error?: string } {
  if (text.trim() === '') return {};
  try {
    return { sel: parseLabelSelector(text) };
  } catch (e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

export function FleetPage({ live }: { live: Live }) {
  useLive(live.nodes, live.pods, live.heartbeats);
  const [text, setText] = useState('');
  const [selText, setSelText] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'name', dir: 'asc' });
  const nodesV = live.nodes.version.value;
  const podsV = live.pods.version.value;
  const hbV = live.heartbeats.version.value;
  const grace = live.heartbeats.graceMs.value;
  const t = now.value;
  const lastSeen = live.heartbeats.lastSeen;
  const healthOf = (r: NodeRow): Health => health(r.node, lastSeen.get(r.name), t, grace);

  const all = useMemo(() => {
    const pods = nodePods(live.pods.items.values());
    return [...live.nodes.items.values()].map((n) => nodeRow(n, pods.get(n.metadata.name)));
  }, [nodesV, podsV]);

  const { sel, error: selError } = useMemo(() => selectorOf(selText), [selText]);
  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const out = all.filter((r) => (!sel || matchesLabels(sel, r.node.metadata.labels)) && (!needle || r.name.includes(needle) || r.labels.toLowerCase().includes(needle) || r.agent.toLowerCase().includes(needle)));
    const HEALTH_ORDER: Record<Health, number> = { Unknown: 0, NotReady: 1, Ready: 2 };
    const keyOf: Record<SortKey, (r: NodeRow) => string | number> = {
      name: (r) => r.name,
      status: (r) => HEALTH_ORDER[healthOf(r)] * 2 + (r.cordoned ? 0 : 1),
      age: (r) => -(lastSeen.get(r.name) ?? -Infinity),
      arch: (r) => r.arch,
      agent: (r) => r.agent,
      temp: (r) => r.temperature ?? -Infinity,
      pods: (r) => r.podsRunning - r.podsDesired,
      labels: (r) => r.labels,
    };
    const k = keyOf[sort.key];
    const dir = sort.dir === 'asc' ? 1 : -1;
    return out.sort((a, b) => {
      const x = k(a);
      const y = k(b);
      return (x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : 1) * dir;
    });
    // Health and age sorts follow heartbeats (≤ 2 updates/s), not every clock tick.
  }, [all, text, sel, sort, sort.key === 'status' || sort.key === 'age' ? hbV : 0]);

  const counts = { Ready: 0, NotReady: 0, Unknown: 0, cordoned: 0, behind: 0 };
  for (const r of all) {
    counts[healthOf(r)]++;
    if (r.cordoned) counts.cordoned++;
    if (r.behind) counts.behind++;
  }
  const seen = [...lastSeen.values()];
  const hist = ageHistogram(seen, t).map((value, i) => {
    const from = AGE_BUCKETS[i - 1]?.maxMs ?? 0;
    const to = AGE_BUCKETS[i]?.maxMs ?? Infinity;
    const tone: 'ok' | 'warn' | 'bad' = from >= grace ? 'bad' : to > grace ? 'warn' : 'ok';
    return { label: AGE_BUCKETS[i]?.label ?? '', value, tone };
  });

  const columns: Column<NodeRow>[] = [
    { key: 'name', title: 'Name', width: 'minmax(9rem, 2fr)', narrow: true, cell: (r) => <a href={href('node', r.name)} tabIndex={-1}>{r.name}</a> },
    {
      key: 'status',
      title: 'Status',
      width: 'minmax(7rem, 1.3fr)',
      narrow: true,
      cell: (r) => {
        const h = healthOf(r);
        return (
          <span class={`status ${h}`}>
            {h}
            {r.cordoned ? ', cordoned' : ''}
          </span>
        );
      },
    },
    {
      key: 'age',
      title: 'Seen',
      width: 'minmax(5rem, 0.8fr)',
      narrow: true,
      cell: (r) => {
        const s = lastSeen.get(r.name);
        return <span class={s !== undefined && t - s > grace ? 'stale' : ''}>{s === undefined ? '—' : `${formatAge(t - s)} ago`}</span>;
      },
    },
    { key: 'arch', title: 'Arch', width: 'minmax(4rem, 0.6fr)', cell: (r) => r.arch },
    { key: 'agent', title: 'Agent', width: 'minmax(6rem, 1fr)', cell: (r) => r.agent },
    { key: 'temp', title: 'CPU °C', width: 'minmax(4.5rem, 0.6fr)', cell: (r) => (r.temperature === undefined ? '—' : `${r.temperature.toFixed(1)}${r.throttled ? ' throttled' : ''}`) },
    { key: 'pods', title: 'Pods', width: 'minmax(4rem, 0.6fr)', narrow: true, cell: (r) => <span class={r.behind ? 'behind' : ''}>{`${r.podsRunning}/${r.podsDesired}`}</span> },
    { key: 'labels', title: 'Labels', width: 'minmax(8rem, 3fr)', cell: (r) => <span class="labels">{r.labels}</span> },
  ];

  return (
    <section class="page fleet" aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <div class="counts" role="list">
        {(
          [
            ['Ready', counts.Ready, 'ok'],
            ['NotReady', counts.NotReady, 'bad'],
            ['Unknown', counts.Unknown, 'warn'],
            ['Cordoned', counts.cordoned, 'muted'],
            ['Behind', counts.behind, 'muted'],
          ] as const
        ).map(([label, n, tone]) => (
          <div role="listitem" class={`count ${tone}`} key={label} data-count={label}>
            <span class="n">{n}</span>
            <span class="what">{label}</span>
          </div>
        ))}
        <div role="listitem" class="count muted">
          <span class="n">{all.length}</span>
          <span class="what">Nodes</span>
        </div>
      </div>
      <Histogram title={`Last heartbeat age (grace period ${formatAge(grace)})`} bars={hist} />
      <div class="filters">
        <label>
          Search
          <input type="search" value={text} placeholder="name, label or agent version" onInput={(e) => setText((e.currentTarget).value)} />
        </label>
        <label>
          Label selector
          <input
            type="text"
            value={selText}
            placeholder="ring=canary,arch!=amd64"
            aria-invalid={selError !== undefined}
            aria-describedby="selector-error"
            onInput={(e) => setSelText((e.currentTarget).value)}
          />
        </label>
        <span id="selector-error" class="error" role="status">
          {selError ?? ''}
        </span>
        <span class="shown" role="status">
          {rows.length} of {all.length} nodes
        </span>
      </div>
      {!live.nodes.synced.value && <p role="status">Loading nodes…</p>}
      {!live.heartbeats.connected.value && <p role="status">Connecting to the hub's heartbeat feed…</p>}
      {live.nodes.error.value && <p class="error" role="alert">{live.nodes.error.value}</p>}
      <VirtualTable
        label="Nodes"
        rows={rows}
        columns={columns}
        rowKey={(r) => r.name}
        rowClass={(r) => `node-${healthOf(r)}`}
        sort={sort}
        onSort={(key) => setSort((s) => ({ key: key as SortKey, dir: s.key === key && s.dir === 'asc' ? 'desc' : 'asc' }))}
        onOpen={(r) => (location.hash = href('node', r.name))}
      />
    </section>
  );
}
