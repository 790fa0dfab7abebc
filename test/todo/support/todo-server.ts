import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startTodoApp, type RunningTodoApp } from '../../../apps/todo/src/todo-app';
import { optionsFromEnv } from '../../../apps/todo/src/todo-options';

// The build script is plain CommonJS, shared with `npm run build:client` and scripts/start-todo.js.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { buildBrowserBundle } = require('../../../libs/client/scripts/build.js');

export const POSTGRES_URL = process.env.TODO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TodoTestServer extends RunningTodoApp {
  /** http://127.0.0.1:<port> (no trailing slash) */
  base: string;
  dataDir: string;
}

export interface TodoTestServerOptions {
  port?: number;
  /** SQLite folder to reuse (e.g. across a restart); default a fresh temporary one. */
  dataDir?: string;
  databaseUrl?: string;
  clientBundle?: string;
}

/** A private temporary folder, removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Builds the browser bundle to a private path: another suite (the client build test) wipes
 * libs/client/dist, and may run at the same time.
 */
export async function buildPrivateBundle(dir: string): Promise<string> {
  const outfile = path.join(dir, 'snorky.min.js');
  await buildBrowserBundle({ outfile });
  return outfile;
}

/** The demo, in-process, exactly as main.ts builds it, on a free port (or `port`). */
export async function startTodoTestServer(options: TodoTestServerOptions = {}): Promise<TodoTestServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snorky-todo-'));
  const defaults = optionsFromEnv({ DATA_DIR: dataDir });
  const running = await startTodoApp({
    ...defaults,
    port: options.port ?? 0,
    host: '127.0.0.1',
    databaseUrl: options.databaseUrl,
    clientBundle: options.clientBundle ?? defaults.clientBundle,
    logger: process.env.SNORKY_TEST_LOGS ? ['error', 'warn', 'log'] : false,
  });
  return { ...running, base: `http://127.0.0.1:${running.port}`, dataDir };
}

/** Checks that PostgreSQL answers, failing with what is missing rather than a driver stack. */
export async function requirePostgres(url = POSTGRES_URL): Promise<void> {
  // pg ships no type declarations (and @types/pg is not installed): typed loosely, used for one probe.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Client } = require('pg') as { Client: new (config: object) => { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> } };
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${url} (${(err as Error).message}): start it, or set TODO_TEST_DATABASE_URL`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface ApiResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** One REST call; `body` may be a string to send raw (bad JSON tests). */
export async function api(base: string, method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(base + pathAndQuery, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A list name no other test (or earlier run against the same PostgreSQL) uses. */
export function uniqueList(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
