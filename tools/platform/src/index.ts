export * from './platform.js';
export * from './preflight.js';
export * from './settings.js';
