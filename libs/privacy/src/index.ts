export * from './masking.js';
export * from './pii-cipher.js';
export * from './resident-id.js';
