/** coordination.k8s.io/v1 Lease (k8s.io/api/coordination/v1/generated.proto). */
import { i32, m, message, microTime, s, type Message } from './dsl.js';
import { ObjectMeta } from './meta-messages.js';

const LeaseSpec: Message = message('LeaseSpec', {
  holderIdentity: s(1),
  leaseDurationSeconds: i32(2),
  acquireTime: microTime(3),
  renewTime: microTime(4),
  leaseTransitions: i32(5),
  strategy: s(6),
  preferredHolder: s(7),
});

export const Lease: Message = message('Lease', { metadata: m(1, () => ObjectMeta), spec: m(2, () => LeaseSpec) });
