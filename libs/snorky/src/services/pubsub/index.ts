export * from './pubsub.service';
export * from './pubsub-backend.service';
export * from './pubsub.params';
