import { TestSocket } from '../support/ws-client';
import { api, POSTGRES_URL, requirePostgres, startTodoTestServer, tempDir, uniqueList, type TodoTestServer } from './support/todo-server';

const backends: Array<[string, string | undefined]> = [
  ['SQLite', undefined],
  ['PostgreSQL', POSTGRES_URL],
];

/** The demo's REST API and its DataSync subscription flow, over real HTTP and a real WebSocket. */
describe.each(backends)('ToDo REST API on %s', (_name, databaseUrl) => {
  let server: TodoTestServer;
  let data: ReturnType<typeof tempDir>;
  let list: string;
  const q = () => `?list=${encodeURIComponent(list)}`;
  const create = async (title: string, inList = list) => {
    const res = await api(server.base, 'POST', `/api/todos?list=${encodeURIComponent(inList)}`, { title });
    expect(res.status).toBe(201);
    return res.body;
  };
  const titles = async (inList = list) => (await api(server.base, 'GET', `/api/todos?list=${encodeURIComponent(inList)}`)).body.map((t: any) => `${t.title}${t.completed ? ' ✓' : ''}`);

  beforeAll(async () => {
    if (databaseUrl) await requirePostgres(databaseUrl);
    data = tempDir('snorky-todo-api-');
    server = await startTodoTestServer({ dataDir: data.dir, databaseUrl });
  });
  afterAll(async () => {
    await server?.close();
    data?.cleanup();
  });
  beforeEach(() => {
    list = uniqueList('api');
  });

  it('creates todos (title trimmed, active) and lists them in creation order', async () => {
    const a = await create('  Buy milk  ');
    const b = await create('Walk the dog');
    expect(a).toEqual({ id: expect.any(Number), list, title: 'Buy milk', completed: false });
    expect(b.id).toBeGreaterThan(a.id);
    const res = await api(server.base, 'GET', `/api/todos${q()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([a, b]);
    expect(res.headers.get('x-subscription-token')).toBeNull();
  });

  it('keeps lists apart, and uses the default list without ?list', async () => {
    const other = uniqueList('other');
    await create('mine');
    await create('theirs', other);
    expect(await titles()).toEqual(['mine']);
    expect(await titles(other)).toEqual(['theirs']);
    const res = await api(server.base, 'GET', '/api/todos');
    expect(res.status).toBe(200);
    expect(res.body.every((t: any) => t.list === 'default')).toBe(true);
  });

  it('edits a title, toggles, toggles all, deletes and clears completed', async () => {
    const a = await create('a');
    const b = await create('b');
    const c = await create('c');
    expect((await api(server.base, 'PATCH', `/api/todos/${a.id}${q()}`, { title: '  A  ' })).body).toEqual({ ...a, title: 'A' });
    expect((await api(server.base, 'PATCH', `/api/todos/${b.id}${q()}`, { completed: true })).body).toEqual({ ...b, completed: true });
    expect(await titles()).toEqual(['A', 'b ✓', 'c']);

    expect((await api(server.base, 'POST', `/api/todos/toggle-all${q()}`, { completed: true })).body).toEqual({ updated: 2 });
    expect(await titles()).toEqual(['A ✓', 'b ✓', 'c ✓']);
    expect((await api(server.base, 'POST', `/api/todos/toggle-all${q()}`, { completed: false })).body).toEqual({ updated: 3 });
    expect(await titles()).toEqual(['A', 'b', 'c']);

    expect((await api(server.base, 'DELETE', `/api/todos/${c.id}${q()}`)).status).toBe(204);
    await api(server.base, 'PATCH', `/api/todos/${a.id}${q()}`, { completed: true });
    expect((await api(server.base, 'POST', `/api/todos/clear-completed${q()}`)).body).toEqual({ deleted: 1 });
    expect(await titles()).toEqual(['b']);
  });

  it('reaches a todo only through its own list (404 otherwise)', async () => {
    const a = await create('private');
    const other = `?list=${encodeURIComponent(uniqueList('intruder'))}`;
    const patched = await api(server.base, 'PATCH', `/api/todos/${a.id}${other}`, { completed: true });
    expect(patched.status).toBe(404);
    expect(patched.body.message).toBe(`no todo ${a.id} in list "${other.slice(6)}"`);
    expect((await api(server.base, 'DELETE', `/api/todos/${a.id}${other}`)).status).toBe(404);
    expect((await api(server.base, 'DELETE', `/api/todos/999999999${q()}`)).status).toBe(404);
    expect(await titles()).toEqual(['private']);
  });

  describe('bad input → 400 with a clear message, nothing changed', () => {
    it.each<[string, string, string, unknown, string | RegExp]>([
      ['no title', 'POST', '', {}, 'title is required'],
      ['an empty title', 'POST', '', { title: '' }, 'title must not be empty'],
      ['a blank title', 'POST', '', { title: '   ' }, 'title must not be empty'],
      ['a title that is not a string', 'POST', '', { title: 5 }, 'title must be a string'],
      ['a title too long', 'POST', '', { title: 'x'.repeat(501) }, 'title must be at most 500 characters'],
      ['an unknown field', 'POST', '', { title: 'x', owner: 'me' }, 'property owner should not exist'],
      ['a body that is not JSON', 'POST', '', '{"title": ', /^body is not valid JSON: /],
      ['a JSON array body', 'POST', '', [{ title: 'x' }], 'body must be a JSON object'],
      ['a bad list name', 'POST', '', { title: 'x' }, 'list must be 1 to 64 letters, digits, "_", "-" or "."'],
      ['an id that is not a number', 'PATCH', '/abc', { completed: true }, 'id must be an integer'],
      ['an update with nothing in it', 'PATCH', '/1', {}, 'nothing to update: give title and/or completed'],
      ['completed that is not a boolean', 'PATCH', '/1', { completed: 'yes' }, 'completed must be true or false'],
      ['an empty edited title', 'PATCH', '/1', { title: ' ' }, 'title must not be empty'],
      ['toggle all without completed', 'POST', '/toggle-all', {}, 'completed is required'],
      ['toggle all with a string', 'POST', '/toggle-all', { completed: 'true' }, 'completed must be true or false'],
      ['an id that is not a number (delete)', 'DELETE', '/1.5', undefined, 'id must be an integer'],
    ])('refuses %s', async (what, method, path, body, message) => {
      const query = what === 'a bad list name' ? '?list=' + encodeURIComponent('no spaces please') : q();
      const res = await api(server.base, method, `/api/todos${path}${query}`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.anything() });
      if (typeof message === 'string') expect(res.body.message).toBe(message);
      else expect(res.body.message).toMatch(message);
      expect(await titles()).toEqual([]);
    });
  });

  describe('X-Snorky: Subscribe', () => {
    let socket: TestSocket;
    const wsUrl = () => `ws://127.0.0.1:${server.port}/ws`;
    const subscribe = async (inList = list) => {
      const res = await api(server.base, 'GET', `/api/todos?list=${encodeURIComponent(inList)}`, undefined, { 'X-Snorky': 'Subscribe' });
      expect(res.status).toBe(200);
      const token = res.headers.get('x-subscription-token');
      expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      return { todos: res.body, token: token! };
    };
    const acquire = (token: string) => socket.call('datasync', 'acquireSubscription', { token }, 1);
    const acquired = { service: 'datasync', message: { type: 'response', callId: 1, data: null } };
    const delta = (d: unknown) => ({ service: 'datasync', message: { type: 'delta', delta: d } });

    beforeEach(async () => {
      socket = await TestSocket.open(wsUrl());
    });
    afterEach(() => socket.close());

    it('answers with the data and a token; every committed change then arrives as a delta', async () => {
      const a = await create('first');
      const { todos, token } = await subscribe();
      expect(todos).toEqual([a]);
      expect(await acquire(token)).toEqual(acquired);

      const creating = create('second');
      const inserted = await socket.next();
      // Published after the commit: whoever gets the delta can read the row, even before the POST answered.
      expect(await titles()).toEqual(['first', 'second']);
      const b = await creating;
      expect(inserted).toEqual(delta({ type: 'insert', model: 'Todo', data: b }));
      await api(server.base, 'PATCH', `/api/todos/${a.id}${q()}`, { title: 'first!' });
      expect(await socket.next()).toEqual(delta({ type: 'update', model: 'Todo', oldData: a, newData: { ...a, title: 'first!' } }));
      await api(server.base, 'POST', `/api/todos/toggle-all${q()}`, { completed: true });
      expect(await socket.next()).toEqual(delta({ type: 'update', model: 'Todo', oldData: { ...a, title: 'first!' }, newData: { ...a, title: 'first!', completed: true } }));
      expect(await socket.next()).toEqual(delta({ type: 'update', model: 'Todo', oldData: b, newData: { ...b, completed: true } }));
      await api(server.base, 'DELETE', `/api/todos/${b.id}${q()}`);
      expect(await socket.next()).toEqual(delta({ type: 'delete', model: 'Todo', data: { ...b, completed: true } }));
      await api(server.base, 'POST', `/api/todos/clear-completed${q()}`);
      expect(await socket.next()).toEqual(delta({ type: 'delete', model: 'Todo', data: { ...a, title: 'first!', completed: true } }));
      await socket.expectSilence(150);
    });

    it('delivers a change made between the answer and the acquisition (authorized before the query)', async () => {
      const { todos, token } = await subscribe();
      expect(todos).toEqual([]);
      const late = await create('made before acquiring');
      expect(await acquire(token)).toEqual(delta({ type: 'insert', model: 'Todo', data: late }));
      expect(await socket.next()).toEqual(acquired);
    });

    it('sends nothing about another list, and nothing for refused or no-op changes', async () => {
      const mine = await create('mine');
      const { token } = await subscribe();
      expect(await acquire(token)).toEqual(acquired);
      const other = uniqueList('elsewhere');
      const theirs = await create('theirs', other);
      await api(server.base, 'PATCH', `/api/todos/${theirs.id}?list=${other}`, { completed: true });
      await api(server.base, 'POST', `/api/todos/clear-completed?list=${other}`);
      await api(server.base, 'PATCH', `/api/todos/${mine.id}${q()}`, { title: '' }); // 400
      await api(server.base, 'PATCH', `/api/todos/${mine.id}${q()}`, { title: 'mine' }); // unchanged
      await api(server.base, 'POST', `/api/todos/clear-completed${q()}`); // nothing completed
      await socket.expectSilence(200);
    });

    it('gives no token without the header, or with another value', async () => {
      for (const headers of [{}, { 'X-Snorky': 'Nope' }] as Record<string, string>[]) {
        const res = await api(server.base, 'GET', `/api/todos${q()}`, undefined, headers);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-subscription-token')).toBeNull();
      }
      // Header values are case-insensitive, as HTTP header names are.
      const res = await api(server.base, 'GET', `/api/todos${q()}`, undefined, { 'x-snorky': 'subscribe' });
      expect(res.headers.get('x-subscription-token')).toBeTruthy();
    });

    it('refuses a token twice (single use)', async () => {
      const { token } = await subscribe();
      expect(await acquire(token)).toEqual(acquired);
      expect(await acquire(token)).toEqual({ service: 'datasync', message: { type: 'error', callId: 1, message: 'No such subscription' } });
    });
  });
});
