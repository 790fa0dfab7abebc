// Runs TypeScript sources directly (server, demo, benchmarks, child processes in tests):
// swc transpiles with decorator metadata (Nest DI needs it) and resolves the tsconfig paths.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
