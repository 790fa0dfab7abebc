export * from './subscribable';
export * from './snorky-subscriber';
export { columnsToJson } from './entity-json';
