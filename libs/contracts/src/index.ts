export * from './subjects.js';
export * from './registry.js';
export * from './member-relations.js';
export * from './gen/index.js';
