/**
 * What the Django, Rails and Nest interop suites share: the standalone server's
 * DataSync config, the task JSON the apps serve, and the browser's side of the
 * X-Snorky: Subscribe handshake (REST calls to the app, then acquiring the
 * token on a protocol socket). Each app's differences stay explicit in its
 * options: where its REST routes live, how it wants a task in a body, which
 * logs explain a failed request.
 */
import { SnorkySocket } from '../../support/snorky-socket';

/** The tasks DataSync service every interop app publishes to (backend name `datasync_backend`). */
export const TASKS_DATASYNC_SERVICE = {
  type: 'datasync',
  name: 'datasync',
  backend: 'datasync_backend',
  dealers: [
    { name: 'AllTasks', model: 'Task', type: 'broadcast' },
    { name: 'TasksByOwner', model: 'Task', type: 'simple', key: 'owner' },
  ],
};

/** Standalone server config with the tasks DataSync service, plus any other services a suite needs. */
export function interopServerConfig(...extraServices: object[]) {
  return { services: [TASKS_DATASYNC_SERVICE, ...extraServices] };
}

/** A task as the apps serialize it; `Owner` says whether the app's model allows no owner. */
export interface TaskJson<Owner extends string | null = string | null> {
  id: number;
  title: string;
  completed: boolean;
  owner: Owner;
}

export interface InteropFixtureOptions {
  /** Base URL the REST paths are appended to (e.g. Django's `${url}/api`); read per request, so after beforeAll. */
  apiBase(): string;
  /** The standalone server's WebSocket URL. */
  frontendUrl(): string;
  /** Log tails appended to a failed request's error, so the failure shows the app's side. */
  diagnostics(): string;
  /** How the app expects a task in a POST/PATCH body (Rails: `{ task }`); as is by default. */
  taskBody?(task: object): unknown;
}

export interface ApiResult {
  response: Response;
  json: any;
}

export interface InteropFixture<Task extends TaskJson<string | null>> {
  /** A JSON request to the app; a status >= 400 throws with the body and the diagnostics. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult>;
  createTask(task: Partial<Task>): Promise<Task>;
  patchTask(id: number, changes: Partial<Task>): Promise<Task>;
  /** GET /tasks<query> with X-Snorky: Subscribe -> the list and the token (asserted to be one). */
  subscribe(query?: string): Promise<{ tasks: Task[]; token: string }>;
  /** A protocol socket to the server, closed by closeSockets(). */
  open(): Promise<SnorkySocket>;
  /** subscribe(query), then a socket that acquired the token (asserted to answer null). */
  subscribedSocket(query?: string): Promise<SnorkySocket>;
  /** Closes every socket open() handed out; meant for afterEach. */
  closeSockets(): void;
}

export function createInteropFixture<Task extends TaskJson<string | null>>(
  options: InteropFixtureOptions,
): InteropFixture<Task> {
  const sockets: SnorkySocket[] = [];
  const taskBody = options.taskBody ?? ((task: object) => task);

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${options.apiBase()}${path}`, {
      method,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 400) {
      throw new Error(`${method} ${path} -> ${response.status} ${text.slice(0, 500)}\n${options.diagnostics()}`);
    }
    return { response, json: text ? JSON.parse(text) : null };
  }

  async function subscribe(query = ''): Promise<{ tasks: Task[]; token: string }> {
    const { response, json } = await api('GET', `/tasks${query}`, undefined, { 'X-Snorky': 'Subscribe' });
    const token = response.headers.get('x-subscription-token');
    expect(typeof token).toBe('string');
    expect(token!.length).toBeGreaterThanOrEqual(16);
    return { tasks: json, token: token! };
  }

  async function open(): Promise<SnorkySocket> {
    const socket = await SnorkySocket.open(options.frontendUrl());
    sockets.push(socket);
    return socket;
  }

  return {
    api,
    createTask: async (task) => (await api('POST', '/tasks', taskBody(task))).json,
    patchTask: async (id, changes) => (await api('PATCH', `/tasks/${id}`, taskBody(changes))).json,
    subscribe,
    open,
    async subscribedSocket(query = '') {
      const { token } = await subscribe(query);
      const socket = await open();
      await expect(socket.acquire(token)).resolves.toBeNull();
      return socket;
    },
    closeSockets: () => sockets.splice(0).forEach((socket) => socket.close()),
  };
}
