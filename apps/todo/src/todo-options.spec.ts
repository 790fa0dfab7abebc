import * as path from 'path';
import { DEFAULT_CLIENT_BUNDLE, optionsFromEnv, REPO_ROOT } from './todo-options';
import { dataSourceOptions, describeDatabase } from './database/database.module';

describe('ToDo demo options from the environment', () => {
  it('defaults to port 3000, SQLite in data/todo.sqlite and the SDK bundle in libs/client/dist', () => {
    const options = optionsFromEnv({});
    expect(options.port).toBe(3000);
    expect(options.databaseUrl).toBeUndefined();
    expect(options.sqlitePath).toBe(path.join(REPO_ROOT, 'data', 'todo.sqlite'));
    expect(options.clientBundle).toBe(DEFAULT_CLIENT_BUNDLE);
    expect(DEFAULT_CLIENT_BUNDLE).toBe(path.join(REPO_ROOT, 'libs', 'client', 'dist', 'snorky.min.js'));
    expect(dataSourceOptions({ sqlitePath: options.sqlitePath }).type).toBe('better-sqlite3');
  });

  it('takes PORT, DATA_DIR and DATABASE_URL (PostgreSQL)', () => {
    const options = optionsFromEnv({ PORT: '8080', DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://u:secret@db:5432/todo' });
    expect(options.port).toBe(8080);
    expect(options.sqlitePath).toBe('/tmp/x/todo.sqlite');
    expect(dataSourceOptions({ url: options.databaseUrl, sqlitePath: options.sqlitePath })).toMatchObject({ type: 'postgres', url: 'postgres://u:secret@db:5432/todo' });
    expect(describeDatabase({ url: options.databaseUrl, sqlitePath: '' })).toBe('PostgreSQL postgres://u:***@db:5432/todo');
  });

  it.each(['eighty', '-1', '70000', '3.5'])('refuses PORT=%s', (port) => {
    expect(() => optionsFromEnv({ PORT: port })).toThrow(`PORT must be a port number, got "${port}"`);
  });
});
