export * from './error-text';
export * from './envelope';
export * from './rpc-message';
export * from './json-value';
