export * from './base64.js';
export * from './digest.js';
export * from './errors.js';
export * from './identity.js';
export * from './keys.js';
export * from './random.js';
export * from './sign.js';
export * from './cert-pin.js';
