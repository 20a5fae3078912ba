/** The link's one way out to devices: an MQTT publish, handed to whatever must send. */
export type Publish = (topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }) => Promise<void>;
