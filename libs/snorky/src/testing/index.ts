/** `@snorky/nest/testing`: call your services through the full pipeline in a testing module, without a socket. */
export * from './snorky-test-client';
