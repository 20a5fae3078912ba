/**
 * policy/v1 Eviction and the self-review kinds kubectl sends as protobuf
 * (authorization.k8s.io/v1 SelfSubjectAccessReview, authentication.k8s.io/v1 SelfSubjectReview).
 */
import { b, m, map, message, opt, s, ss, type Message } from './dsl.js';
import { DeleteOptions, ObjectMeta } from './meta-messages.js';

export const Eviction: Message = message('Eviction', { metadata: m(1, () => ObjectMeta), deleteOptions: m(2, () => DeleteOptions) });

const ResourceAttributes: Message = message('ResourceAttributes', {
  namespace: s(1),
  verb: s(2),
  group: s(3),
  version: s(4),
  resource: s(5),
  subresource: s(6),
  name: s(7),
});
const NonResourceAttributes: Message = message('NonResourceAttributes', { path: s(1), verb: s(2) });
const SelfSubjectAccessReviewSpec: Message = message('SelfSubjectAccessReviewSpec', {
  resourceAttributes: m(1, () => ResourceAttributes),
  nonResourceAttributes: m(2, () => NonResourceAttributes),
});
const SubjectAccessReviewStatus: Message = message('SubjectAccessReviewStatus', {
  allowed: opt(b(1)),
  denied: b(4),
  reason: s(2),
  evaluationError: s(3),
});
export const SelfSubjectAccessReview: Message = message('SelfSubjectAccessReview', {
  metadata: m(1, () => ObjectMeta),
  spec: m(2, () => SelfSubjectAccessReviewSpec),
  status: m(3, () => SubjectAccessReviewStatus),
});

const UserInfo: Message = message('UserInfo', { username: s(1), uid: s(2), groups: ss(3), extra: map(4, 'stringList') });
const SelfSubjectReviewStatus: Message = message('SelfSubjectReviewStatus', { userInfo: m(1, () => UserInfo) });
export const SelfSubjectReview: Message = message('SelfSubjectReview', {
  metadata: m(1, () => ObjectMeta),
  status: m(2, () => SelfSubjectReviewStatus),
});
