/** Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) for the served kinds. */
export { decodeProtobuf, encodeProtobuf, tryEncodeProtobuf, protobufKinds, kindMessage, PROTOBUF_MEDIA_TYPE } from './envelope.js';
export { NotEncodable } from './codec.js';
