import { Body, Controller, Get, Headers, Injectable, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  BaseDealer,
  BroadcastDealer,
  DataSyncBackend,
  DataSyncPublisher,
  DataSyncService,
  Dealer,
  SimpleDealer,
  SnorkyService,
  SubscriptionItem,
} from '@snorky/nest';
import { backendCall, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';

interface Task {
  id: number;
  owner: string;
  title: string;
  secret?: boolean;
}

/** The app's data: stands for the database a real app would query. */
@Injectable()
class TaskStore {
  private nextId = 1;
  readonly tasks: Task[] = [];
  add(owner: string, title: string, secret = false): Task {
    const task = { id: this.nextId++, owner, title, secret };
    this.tasks.push(task);
    return task;
  }
  byOwner(owner: string): Task[] {
    return this.tasks.filter((t) => t.owner === owner);
  }
}

/** An app service a dealer depends on: dealers are ordinary providers with DI. */
@Injectable()
class AccessPolicy {
  canSee(user: unknown, task: Task): boolean {
    return !task.secret || task.owner === user;
  }
}

@Dealer()
class TasksByOwner extends SimpleDealer {
  model = 'Task';
  key = 'owner';
}

/** A custom dealer on the base API: the query is a user; it matches the tasks that user may see. */
@Dealer({ name: 'VisibleTasks' })
class VisibleTasksDealer extends BaseDealer {
  readonly model = 'Task';
  private readonly items = new Set<SubscriptionItem>();
  constructor(private readonly policy: AccessPolicy) {
    super();
  }
  addSubscriptionItem(item: SubscriptionItem): void {
    this.items.add(item);
  }
  removeSubscriptionItem(item: SubscriptionItem): void {
    this.items.delete(item);
  }
  getSubscriptionItemsForObject(task: unknown): Iterable<SubscriptionItem> {
    return [...this.items].filter((item) => this.policy.canSee(item.query, task as Task));
  }
}

abstract class BroadcastDealerWithName extends BroadcastDealer {
  model = 'Task';
  name = 'Twin';
}

/** A second DataSync service in the same app, with its own dealers and backend. */
@SnorkyService('chat_sync')
class ChatSync extends DataSyncService {}

@SnorkyService('chat_sync_backend', { registry: 'backend' })
class ChatSyncBackend extends DataSyncBackend {
  constructor(chat: ChatSync) {
    super(chat);
  }
}

@Dealer({ service: 'chat_sync' })
class MessagesByRoom extends SimpleDealer {
  model = 'Message';
  key = 'room';
}

/**
 * The subscription handshake inside a Nest controller, no HTTP to Snorky: with `X-Snorky: Subscribe`
 * it authorizes first, then queries, then answers data + token (X-Subscription-Token).
 */
@Controller('tasks')
class TasksController {
  constructor(
    private readonly datasync: DataSyncPublisher,
    private readonly store: TaskStore,
  ) {}

  @Get()
  list(@Query('owner') owner: string, @Headers('x-snorky') snorky: string | undefined, @Res({ passthrough: true }) res: Response): Task[] {
    if (snorky === 'Subscribe') {
      const token = this.datasync.authorizeSubscription([{ dealer: 'TasksByOwner', query: owner }]);
      res.setHeader('X-Subscription-Token', token);
    }
    return this.store.byOwner(owner); // queried after authorizing: no change can fall in between
  }

  @Post()
  async create(@Body() body: { owner: string; title: string; secret?: boolean }): Promise<Task> {
    const task = this.store.add(body.owner, body.title, body.secret);
    await this.datasync.publishDeltas([{ type: 'insert', model: 'Task', data: task }]);
    return task;
  }
}

describe('DataSync in a Nest app (DI dealers, DataSyncPublisher)', () => {
  let server: RunningSnorkyApp;
  let browser: TestSocket;
  const base = () => `http://127.0.0.1:${server.port}`;
  const createTask = (task: object) =>
    fetch(`${base()}/tasks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(task) }).then((r) => r.json());
  const delta = (d: unknown, service = 'datasync') => ({ service, message: { type: 'delta', delta: d } });

  beforeAll(async () => {
    server = await startSnorkyApp(
      [DataSyncService, DataSyncBackend, TaskStore, AccessPolicy, TasksByOwner, VisibleTasksDealer, ChatSync, ChatSyncBackend, MessagesByRoom],
      {},
      { controllers: [TasksController] },
    );
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    browser = await TestSocket.open(server.wsUrl);
  });
  afterEach(() => browser.close());

  it('registers @Dealer providers on the DataSync service they name', () => {
    expect(server.app.get(DataSyncService).engine.dealers.names().sort()).toEqual(['TasksByOwner', 'VisibleTasks']);
    expect(server.app.get(ChatSync).engine.dealers.names()).toEqual(['MessagesByRoom']);
  });

  it('authorizes, queries and responds inside a controller; a change made before acquisition still arrives', async () => {
    await createTask({ owner: 'ann', title: 'existing' });
    const res = await fetch(`${base()}/tasks?owner=ann`, { headers: { 'X-Snorky': 'Subscribe' } });
    const token = res.headers.get('X-Subscription-Token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await res.json()).map((t: Task) => t.title)).toEqual(['existing']);
    // someone changes the data after the response, before the browser acquires
    const late = await createTask({ owner: 'ann', title: 'made in between' });
    await createTask({ owner: 'bob', title: 'not for ann' });
    expect(await browser.call('datasync', 'acquireSubscription', { token }, 0)).toEqual(delta({ type: 'insert', model: 'Task', data: late }));
    expect((await browser.next()).message).toEqual({ type: 'response', callId: 0, data: null });
    const live = await createTask({ owner: 'ann', title: 'live' });
    expect(await browser.next()).toEqual(delta({ type: 'insert', model: 'Task', data: live }));
    await browser.expectSilence(100);
  });

  it('does not hand out a token without the X-Snorky header', async () => {
    const res = await fetch(`${base()}/tasks?owner=ann`);
    expect(res.headers.get('X-Subscription-Token')).toBeNull();
  });

  it('runs a custom dealer that uses an injected provider', async () => {
    const publisher = server.app.get(DataSyncPublisher);
    const token = publisher.authorizeSubscription([{ dealer: 'VisibleTasks', query: 'carol' }]);
    await browser.call('datasync', 'acquireSubscription', { token }, 0);
    const hidden = await createTask({ owner: 'dave', title: 'dave only', secret: true });
    const own = await createTask({ owner: 'carol', title: 'carol secret', secret: true });
    const open = await createTask({ owner: 'dave', title: 'public' });
    expect(hidden.secret).toBe(true);
    expect(await browser.next()).toEqual(delta({ type: 'insert', model: 'Task', data: own }));
    expect(await browser.next()).toEqual(delta({ type: 'insert', model: 'Task', data: open }));
    await browser.expectSilence(100);
  });

  it('refuses bad input in-process with the same errors as the endpoint', async () => {
    const publisher = server.app.get(DataSyncPublisher);
    expect(() => publisher.authorizeSubscription([{ dealer: 'Nope', query: 1 }])).toThrow('No such dealer');
    await expect(publisher.publishDeltas([{ type: 'insert', model: 'Task', data: {} }, { type: 'upsert' as never, model: 'Task', data: {} }])).rejects.toThrow(
      'Invalid delta type',
    );
    expect(() => publisher.service('nope')).toThrow(/no DataSync service named "nope"/);
  });

  it('keeps two DataSync services apart: own dealers, own backend, own envelope', async () => {
    const token = (await backendCall(server.backendUrl, 'chat_sync_backend', 'authorizeSubscription', { items: [{ dealer: 'MessagesByRoom', query: 'lobby' }] })).data;
    expect((await backendCall(server.backendUrl, 'chat_sync_backend', 'authorizeSubscription', { items: [{ dealer: 'TasksByOwner', query: 'x' }] })).message).toBe(
      'No such dealer',
    );
    expect((await browser.call('datasync', 'acquireSubscription', { token }, 0)).message.message).toBe('No such subscription');
    expect((await browser.call('chat_sync', 'acquireSubscription', { token }, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
    await server.app.get(DataSyncPublisher).publishDeltas([{ type: 'insert', model: 'Message', data: { room: 'lobby', text: 'hi' } }], 'chat_sync');
    expect(await browser.next()).toEqual(delta({ type: 'insert', model: 'Message', data: { room: 'lobby', text: 'hi' } }, 'chat_sync'));
  });

  describe('discovery errors', () => {
    @Dealer({ service: 'missing_sync' })
    class Orphan extends SimpleDealer {
      model = 'Task';
      key = 'owner';
    }

    @Dealer()
    class NotADealer {}

    @Dealer()
    class TwinA extends BroadcastDealerWithName {}
    @Dealer()
    class TwinB extends BroadcastDealerWithName {}

    it.each([
      ['a dealer naming a service that does not exist', [DataSyncService, Orphan], /dealer Orphan: no DataSync service named "missing_sync"/],
      ['@Dealer on a class that is no dealer', [DataSyncService, NotADealer], /NotADealer has @Dealer but does not extend/],
      ['two dealers with one name', [DataSyncService, TwinA, TwinB], /two dealers named "Twin"/],
    ])('refuses to start with %s', async (_what, providers, message) => {
      await expect(startSnorkyApp(providers as never)).rejects.toThrow(message);
    });
  });
});
