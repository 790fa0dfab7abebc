export * from './chat.service';
export * from './chat.params';
