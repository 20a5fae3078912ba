/**
 * Pod status reports on the `pods` channel, sent on change only: each pod's latest report is
 * compared with the last one the hub acknowledged, and what differs is sent (in batches) until
 * it is delivered, so a report made while the hub is unreachable goes out once it is back.
 */
import type { PodsMessage, PodStatusReport } from '../../shared/protocol/messages.js';
import { canonicalJson } from '../../shared/protocol/canonical-json.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';

/** Resolves true when the message was handed to the broker (QoS 1 acknowledged). */
export type SendPods = (msg: PodsMessage) => Promise<boolean>;

export const MAX_PODS_PER_MESSAGE = 32;

export class PodStatusPublisher {
  private readonly latest = new Map<string, PodStatusReport>();
  private readonly sent = new Map<string, string>();
  private flushing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly send: SendPods,
    private readonly log: Logger,
    private readonly maxPerMessage = MAX_PODS_PER_MESSAGE,
  ) {}

  /** The full set of pods to report; pods left out are forgotten (nothing is sent for them). */
  update(reports: readonly PodStatusReport[]): void {
    const uids = new Set<string>();
    for (const r of reports) {
      uids.add(r.uid);
      this.latest.set(r.uid, r);
    }
    for (const uid of [...this.latest.keys()]) {
      if (!uids.has(uid)) {
        this.latest.delete(uid);
        this.sent.delete(uid);
      }
    }
  }

  /** Reports not yet delivered in their latest form. */
  pending(): PodStatusReport[] {
    return [...this.latest.values()].filter((r) => this.sent.get(r.uid) !== canonicalJson(r));
  }

  /** The latest report of every pod (for tests and diagnostics). */
  reports(): PodStatusReport[] {
    return [...this.latest.values()];
  }

  /** Sends what changed; concurrent calls coalesce. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = this.flushNow().finally(() => {
      this.flushing = undefined;
      if (this.again) {
        this.again = false;
        void this.flush();
      }
    });
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const pending = this.pending();
    for (let i = 0; i < pending.length; i += this.maxPerMessage) {
      const batch = pending.slice(i, i + this.maxPerMessage);
      let ok = false;
      try {
        ok = await this.send({ v: 1, t: 'pods', pods: batch });
      } catch (e) {
        this.log.debug('pod status not sent', { error: errorMessage(e) });
      }
      if (!ok) return; // kept pending: sent again on the next flush
      for (const r of batch) {
        this.sent.set(r.uid, canonicalJson(r));
        this.log.debug('pod status sent', { pod: `${r.namespace}/${r.name}`, uid: r.uid, phase: r.status['phase'], deleted: r.deleted === true });
      }
    }
  }
}
