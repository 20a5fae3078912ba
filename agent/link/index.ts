/** The agent's MQTT link: transport interface, mqtt.js adapter, connection state machine, enrollment. */
export * from './transport.js';
export * from './mqtt-transport.js';
export * from './link.js';
export * from './enroll.js';
export * from './wire.js';
