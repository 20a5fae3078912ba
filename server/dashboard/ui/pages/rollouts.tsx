/** Rollouts: every DaemonSet with a progress bar per stage, its revisions, why it halted; admin actions. */
import { useState } from 'preact/hooks';
import { patch } from '../api.js';
import { Confirm } from '../components/confirm.js';
import { Table } from '../components/table.js';
import { now, useLive } from '../live.js';
import { ageSince, condition } from '../model.js';
import { dsPath, fleetView, pausePatch, promotePatch, revisionImages, revisionsOf, ROLLOUT_PAUSED, stagesOf, undoTarget } from '../rollout-model.js';
import type { Live, Role } from '../state.js';
import type { ControllerRevision, DaemonSet, FleetView, StageProgress } from '../types.js';

const SEGMENTS: { key: keyof StageProgress & ('updated' | 'updating' | 'waitingOffline' | 'failed' | 'pending'); label: string }[] = [
  { key: 'updated', label: 'updated' },
  { key: 'updating', label: 'updating' },
  { key: 'waitingOffline', label: 'waiting for offline devices' },
  { key: 'failed', label: 'failed' },
  { key: 'pending', label: 'pending' },
];

function StageBar({ stage }: { stage: StageProgress }) {
  const text = SEGMENTS.map((s) => `${stage[s.key]} ${s.label}`).join(', ');
  return (
    <div class="stage">
      <div class="stage-name">
        {stage.name} <span class="muted">({stage.nodes} nodes{stage.released ? '' : ', not released'})</span>
      </div>
      <div class="progress" role="progressbar" aria-label={`Stage ${stage.name}`} aria-valuemin={0} aria-valuemax={stage.nodes} aria-valuenow={stage.updated} aria-valuetext={text}>
        {SEGMENTS.map((s) => {
          const n = stage[s.key];
          return n > 0 ? <span key={s.key} class={`seg ${s.key}`} style={{ width: `${(n / Math.max(1, stage.nodes)) * 100}%` }} title={`${n} ${s.label}`} /> : null;
        })}
      </div>
      <div class="stage-legend">{text}</div>
    </div>
  );
}

type Pending = { title: string; action: string; body: string; run: () => Promise<void> };

function RolloutActions({ ds, view, revisions }: { ds: DaemonSet; view: FleetView | undefined; revisions: ControllerRevision[] }) {
  const [pending, setPending] = useState<Pending | undefined>();
  const name = ds.metadata.name;
  const path = dsPath(ds);
  const paused = ds.metadata.annotations?.[ROLLOUT_PAUSED] === 'true';
  const promote = view ? promotePatch(view) : undefined;
  const target = undoTarget(revisions);
  return (
    <div class="actions" role="group" aria-label={`Actions on ${name}`}>
      {paused ? (
        <button type="button" onClick={() => setPending({ title: `Resume rollout of ${name}?`, action: `Resume ${name}`, body: 'Nodes not yet updated will be updated again.', run: () => patch(path, pausePatch(false)) })}>
          Resume
        </button>
      ) : (
        <button type="button" onClick={() => setPending({ title: `Pause rollout of ${name}?`, action: `Pause ${name}`, body: 'No further node is touched until you resume.', run: () => patch(path, pausePatch(true)) })}>
          Pause
        </button>
      )}
      {promote !== undefined && view?.awaitingPromotion && (
        <button type="button" onClick={() => setPending({ title: `Promote ${name}?`, action: `Promote ${name}`, body: `Stage ${view.awaitingPromotion} is released.`, run: () => patch(path, promote) })}>
          Promote
        </button>
      )}
      {target && (
        <button
          type="button"
          onClick={() =>
            setPending({
              title: `Undo rollout of ${name}?`,
              action: `Undo ${name}`,
              body: `Roll back to revision ${target.revision ?? '?'} (${revisionImages(target)}).`,
              run: () => patch(path, target.data, 'strategic'),
            })
          }
        >
          Undo
        </button>
      )}
      {pending && (
        <Confirm title={pending.title} action={pending.action} onClose={() => setPending(undefined)} onConfirm={pending.run}>
          <p>{pending.body}</p>
        </Confirm>
      )}
    </div>
  );
}

function DaemonSetCard({ ds, live, role }: { ds: DaemonSet; live: Live; role: Role }) {
  const t = now.value;
  const view = fleetView(ds);
  const conds = ds.status?.conditions;
  const halted = condition(conds, 'Halted');
  const progressing = condition(conds, 'Progressing');
  const revisions = revisionsOf(ds, live.revisions.items.values());
  const s = ds.status ?? {};
  const id = `ds-${ds.metadata.namespace}-${ds.metadata.name}`;
  return (
    <article class="card rollout" aria-labelledby={id}>
      <h2 id={id}>
        {ds.metadata.namespace}/{ds.metadata.name}
        {view?.paused && <span class="status paused">Paused</span>}
        {halted?.status === 'True' && <span class="status halted">Halted</span>}
        {view?.complete && <span class="status Ready">Complete</span>}
      </h2>
      <p class="facts">
        {`${s.updatedNumberScheduled ?? 0} updated, ${s.numberReady ?? 0} ready, ${s.numberAvailable ?? 0} available of ${s.desiredNumberScheduled ?? 0} desired`}
        {progressing?.message ? ` · ${progressing.message}` : ''}
      </p>
      {role === 'admin' && <RolloutActions ds={ds} view={view} revisions={revisions} />}
      {halted?.status === 'True' && (
        <div class="halt" role="alert">
          <h3>Why it stopped</h3>
          <p>{halted.message ?? halted.reason}</p>
          {view?.halted && view.halted.failed.length > 0 && (
            <ul>
              {view.halted.failed.map((f) => (
                <li key={f.node}>
                  <a href={`#/node/${encodeURIComponent(f.node)}`}>{f.node}</a>: {f.pod} — {f.reasons.join(', ') || 'not available in time'}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {view?.awaitingPromotion && <p class="notice">Waiting for promotion of stage {view.awaitingPromotion}.</p>}
      {stagesOf(ds, view).map((st) => (
        <StageBar key={st.name} stage={st} />
      ))}
      <details>
        <summary>Revision history ({revisions.length})</summary>
        <Table
          label={`Revisions of ${ds.metadata.name}`}
          headers={['Revision', 'Hash', 'Images', 'Age']}
          rows={revisions.map((r) => ({
            key: r.metadata.name,
            cells: [r.revision ?? '', r.metadata.labels?.['controller-revision-hash'] ?? '', revisionImages(r), ageSince(r.metadata.creationTimestamp, t)],
          }))}
        />
      </details>
    </article>
  );
}

export function RolloutsPage({ live, role }: { live: Live; role: Role }) {
  useLive(live.daemonsets, live.revisions);
  void live.daemonsets.version.value;
  void live.revisions.version.value;
  const all = [...live.daemonsets.items.values()].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  return (
    <section class="page rollouts" aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts</h1>
      {all.length === 0 && <p>{live.daemonsets.synced.value ? 'No DaemonSets.' : 'Loading…'}</p>}
      {all.map((ds) => (
        <DaemonSetCard key={ds.metadata.uid ?? ds.metadata.name} ds={ds} live={live} role={role} />
      ))}
    </section>
  );
}
