export * from './messaging.service';
export * from './messaging.params';
