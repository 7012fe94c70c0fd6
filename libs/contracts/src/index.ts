export * from './subjects.js';
export * from './registry.js';
export * from './gen/index.js';
