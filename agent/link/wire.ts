/** Sizes of MQTT 3.1.1 packets as they go on the wire, for logging what heartbeats cost. */

/** Bytes of the Remaining Length field (a variable-length integer, 1–4 bytes). */
function varIntBytes(n: number): number {
  if (n < 128) return 1;
  if (n < 16_384) return 2;
  if (n < 2_097_152) return 3;
  return 4;
}

/** A PUBLISH packet's size: fixed header, topic (2-byte length + UTF-8), packet id for QoS > 0, payload. */
export function publishPacketBytes(topic: string, payloadBytes: number, qos: 0 | 1): number {
  const remaining = 2 + Buffer.byteLength(topic, 'utf8') + (qos > 0 ? 2 : 0) + payloadBytes;
  return 1 + varIntBytes(remaining) + remaining;
}
