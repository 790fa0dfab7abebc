/** Node backend connector for Snorky: RPC over the backend HTTP endpoint, DataSync helpers, TypeORM deltas. */
export * from './errors';
export * from './delta';
export * from './http-transport';
export * from './snorky-backend';
export * from './background-publisher';
export * from './subscribe';
export * from './typeorm';
