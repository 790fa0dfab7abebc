export * from './identity.service';
export * from './identity-backend.service';
export * from './identity.params';
export * from './identity-tokens';
