/**
 * A node's `pods` messages: the status of pods bound to it, and the end of pods it was told to
 * delete. Each pod in a message is decided on its own (pod-status.ts): a report the node may not
 * make, or a malformed status, is dropped with a Warning Event on the Node and a log line, and
 * the other pods of the same message are still applied. Writes go through the status
 * subresource with the pod's resourceVersion as the precondition, retried on 409.
 */
import { ApiError } from '../../shared/api/errors.js';
import type { PodsMessage, PodStatusReport } from '../../shared/protocol/index.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { NodeEventSink } from '../events/node-rate-limit.js';
import { decidePodReport } from './pod-status.js';

export interface PodStatusIntakeDeps {
  client: InternalClient;
  /** Complaints about a node's reports, charged to its event rate. */
  events: NodeEventSink;
  clock: Clock;
  logger: Logger;
  /** Attempts per pod when the pod changes under the write (409). Default 5. */
  maxAttempts?: number;
}

export const POD_STATUS_REJECTED = 'PodStatusRejected';

/** What became of one pod's report (for logs and tests). */
export type PodReportOutcome = 'written' | 'unchanged' | 'deleted' | 'ignored' | 'rejected';

export class PodStatusIntake {
  private readonly log: Logger;

  constructor(private readonly deps: PodStatusIntakeDeps) {
    this.log = deps.logger.child({ component: 'pod-status-intake' });
  }

  /** Applies every report of the message in order; never throws for one pod's sake. */
  async handle(node: string, msg: PodsMessage): Promise<PodReportOutcome[]> {
    const out: PodReportOutcome[] = [];
    for (const report of msg.pods) out.push(await this.apply(node, report));
    return out;
  }

  private async apply(node: string, report: PodStatusReport): Promise<PodReportOutcome> {
    const max = this.deps.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryApply(node, report);
      } catch (e: unknown) {
        if (e instanceof ApiError && e.code === 409 && attempt < max) continue;
        // The API refused the status itself: the device's fault, like a malformed one.
        if (e instanceof ApiError && (e.code === 400 || e.code === 422)) return this.reject(node, report, `status of pod ${report.namespace}/${report.name} refused by the API: ${e.message}`);
        throw e;
      }
    }
  }

  private async tryApply(node: string, report: PodStatusReport): Promise<PodReportOutcome> {
    const { client } = this.deps;
    const pod = await client.get('Pod', report.namespace, report.name);
    const decision = decidePodReport(node, report, pod, rfc3339(this.deps.clock.now()));
    const fields = { node, namespace: report.namespace, pod: report.name, uid: report.uid };
    switch (decision.action) {
      case 'unchanged':
        return 'unchanged';
      case 'ignore':
        this.log.debug('pod report ignored', { ...fields, why: decision.why });
        return 'ignored';
      case 'reject':
        return this.reject(node, report, decision.why);
      case 'write':
        if (!pod) return 'ignored'; // decidePodReport writes only existing pods
        await client.updateStatus('Pod', { ...pod, status: decision.status });
        this.log.debug('pod status written', { ...fields, phase: decision.status['phase'] });
        return 'written';
      case 'delete':
        try {
          await client.delete('Pod', report.namespace, report.name, { gracePeriodSeconds: 0, preconditionUid: decision.uid });
        } catch (e: unknown) {
          if (e instanceof ApiError && e.code === 404) return 'ignored';
          throw e;
        }
        this.log.info('pod deletion completed by its node', fields);
        return 'deleted';
    }
  }

  private reject(node: string, report: PodStatusReport, why: string): PodReportOutcome {
    this.log.warn('pod report rejected', { node, namespace: report.namespace, pod: report.name, uid: report.uid, why });
    this.deps.events.record(node, { kind: 'Node', name: node }, 'Warning', POD_STATUS_REJECTED, why);
    return 'rejected';
  }
}
