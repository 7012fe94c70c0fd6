export * from './bootstrap.js';
export * from './data-source.js';
export * from './ids.js';
export * from './naming.strategy.js';
export * from './transaction.js';
