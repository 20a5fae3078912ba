/**
 * The link's one way out to devices: an MQTT publish, handed to whatever must send. Publishes to
 * one node leave in the order of the calls (the broker orders them per recipient).
 */
export type Publish = (topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }) => Promise<void>;
