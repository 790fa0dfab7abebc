import * as path from 'path';

/** Repository root (apps/todo/src → ../../..), so paths do not depend on the working directory. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface TodoAppOptions {
  /** HTTP port; 0 picks a free one. Default 3000. */
  port: number;
  /** Listen address. Default: all interfaces (what `localhost` resolves to varies). */
  host?: string;
  /** PostgreSQL connection URL; unset = SQLite at `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite file, created (with its folder) on first start. Default data/todo.sqlite. */
  sqlitePath: string;
  /** The client SDK's browser bundle served as /snorky.min.js. */
  clientBundle: string;
  /** Folder of index.html, app.js, todo.css. */
  publicDir: string;
  /** Nest logger levels; false = silent (tests). */
  logger?: false | ('error' | 'warn' | 'log' | 'debug' | 'verbose')[];
}

export const DEFAULT_CLIENT_BUNDLE = path.join(REPO_ROOT, 'libs', 'client', 'dist', 'snorky.min.js');

/** Options from the environment: PORT, HOST, DATABASE_URL, DATA_DIR, SNORKY_CLIENT_BUNDLE. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): TodoAppOptions {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const dataDir = env.DATA_DIR ? path.resolve(env.DATA_DIR) : path.join(REPO_ROOT, 'data');
  return {
    port,
    host: env.HOST || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    sqlitePath: path.join(dataDir, 'todo.sqlite'),
    clientBundle: env.SNORKY_CLIENT_BUNDLE ? path.resolve(env.SNORKY_CLIENT_BUNDLE) : DEFAULT_CLIENT_BUNDLE,
    publicDir: path.join(REPO_ROOT, 'apps', 'todo', 'public'),
    logger: env.SNORKY_DEBUG ? ['error', 'warn', 'log', 'debug', 'verbose'] : ['error', 'warn', 'log'],
  };
}
