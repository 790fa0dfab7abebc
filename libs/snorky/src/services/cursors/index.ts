export * from './cursors.service';
export * from './cursors.params';
