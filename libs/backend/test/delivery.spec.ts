/**
 * BackgroundPublisher and the TypeORM outbox against a real HTTP peer standing in for Snorky:
 * one batch id per batch, transient failures (refused, reset, timeout, 5xx/503) retried under the
 * same id, a reset retried at once, a timed-out send not called failed, a wrong key logged (never
 * thrown), a bounded queue; outbox rows written in the transaction, kept while Snorky is away.
 */
import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { BackgroundPublisher, Delta, SnorkyBackend, SnorkySubscriber, subscribable } from '@snorky/backend';
import { OutboxDrainer, SnorkyOutbox } from '@snorky/backend/typeorm/outbox';
import { HttpPeer, replyJson } from './support/http-peer';

@Entity()
@subscribable({ model: 'Task' })
class OutboxTask {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
}

const delta = (id: number): Delta => ({ type: 'insert', model: 'Task', data: { id } });

describe('BackgroundPublisher (real HTTP peer)', () => {
  let peer: HttpPeer;
  let lines: string[];
  const logger = { error: (m: string) => lines.push(`ERROR ${m}`), warn: (m: string) => lines.push(`WARN ${m}`) };
  const params = () => peer.bodies().map((b) => b.message.params);
  const sender = (timeout = 1000, url = peer.url) => new BackgroundPublisher(new SnorkyBackend({ url, key: 'k', timeout }), { logger });

  beforeEach(async () => {
    lines = [];
    peer = await new HttpPeer().start();
  });
  afterEach(() => peer.stop());

  it('retries 503 and 500 under the same batch id, then delivers', async () => {
    const statuses = [503, 500];
    const ok = peer.answer;
    peer.answer = (req, res) => (statuses.length ? replyJson(res, statuses.shift()!, 'no') : ok(req, res));
    const publisher = sender();
    const id = publisher.submit([delta(1)]);
    await publisher.flush();
    expect(params().map((p) => p.batchId)).toEqual([id, id, id]);
    expect(lines.filter((l) => l.startsWith('WARN'))).toHaveLength(2);
  });

  it('retries a reset connection at once', async () => {
    let first = true;
    const ok = peer.answer;
    peer.answer = (req, res) => {
      if (!first) return ok(req, res);
      first = false;
      res.socket!.resetAndDestroy();
    };
    const publisher = sender();
    publisher.submit([delta(1)]);
    await publisher.flush();
    expect(peer.requests).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/failed, retrying in 0\.00 s/);
  });

  it('calls a timed-out send "timed out (may have been delivered)", never failed, and retries it under its id', async () => {
    let first = true;
    const ok = peer.answer;
    peer.answer = (req, res) => {
      if (!first) return ok(req, res);
      first = false;
      setTimeout(() => ok(req, res), 700); // delivered, answered after the 300 ms timeout
    };
    const publisher = sender(300);
    publisher.submit([delta(1)]);
    await publisher.flush();
    expect(new Set(params().map((p) => p.batchId)).size).toBe(1);
    expect(lines.join('\n')).toMatch(/timed out \(may have been delivered\), retrying/);
    expect(lines.join('\n')).not.toMatch(/given up|refused/);
  });

  it('delivers once Snorky is back after refusing connections', async () => {
    const url = peer.url;
    const port = Number(new URL(url).port);
    await peer.stop();
    const publisher = sender(1000, url);
    publisher.submit([delta(7)]);
    await new Promise((r) => setTimeout(r, 400));
    peer = new HttpPeer();
    await peer.startOn(port);
    await publisher.flush();
    expect(params().map((p) => p.deltas)).toEqual([[delta(7)]]);
    expect(lines.join('\n')).toMatch(/ECONNREFUSED/);
  });

  it('logs a wrong key (401) once, never throws, never retries', async () => {
    peer.answer = (_req, res) => replyJson(res, 401, { message: 'Wrong X-Backend-Key' });
    const publisher = sender();
    expect(() => publisher.submit([delta(1)])).not.toThrow();
    await publisher.flush();
    expect(peer.requests).toHaveLength(1);
    expect(lines).toEqual([expect.stringMatching(/^ERROR snorky: batch \w+ of 1 deltas refused, not retried: .*HTTP 401/)]);
  });

  it('bounds the queue, dropping the oldest batch with an error line', async () => {
    const gate: Array<() => void> = [];
    const sent: string[] = [];
    const publisher = new BackgroundPublisher(
      { publishDeltas: (_d, _s, id) => new Promise<void>((r) => gate.push(() => (sent.push(id!), r()))) },
      { logger, maxQueue: 2 },
    );
    publisher.submit([delta(0)], 'first');
    for (const id of ['a', 'b', 'c']) publisher.submit([delta(1)], id);
    const release = setInterval(() => gate.shift()?.(), 5);
    await publisher.flush();
    clearInterval(release);
    expect(sent).toEqual(['first', 'b', 'c']);
    expect(publisher.dropped).toBe(1);
    expect(lines.join('\n')).toMatch(/publish queue full/);
  });
});

describe('TypeORM outbox (real HTTP peer, better-sqlite3)', () => {
  let peer: HttpPeer;
  let dataSource: DataSource;
  let drainer: OutboxDrainer;
  const lines: string[] = [];
  const logger = { error: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };

  beforeEach(async () => {
    peer = await new HttpPeer().start();
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [OutboxTask, SnorkyOutbox], synchronize: true });
    await dataSource.initialize();
    const backend = new SnorkyBackend({ url: peer.url, key: 'k', timeout: 1000 });
    drainer = new OutboxDrainer(dataSource, backend, { logger });
    new SnorkySubscriber(backend, { delivery: 'outbox', outbox: drainer, logger }).attach(dataSource);
  });
  afterEach(async () => {
    drainer.stop();
    await dataSource.destroy();
    await peer.stop();
  });
  const rows = () => dataSource.getRepository(SnorkyOutbox).find({ order: { id: 'ASC' } });

  it('writes the rows inside the transaction and sends them as one batch once drained', async () => {
    await dataSource.transaction(async (manager) => {
      await manager.save(manager.create(OutboxTask, { title: 'a' }));
      await manager.save(manager.create(OutboxTask, { title: 'b' }));
    });
    const written = await rows();
    expect(written).toHaveLength(2);
    expect(new Set(written.map((r) => r.batchId)).size).toBe(1);
    expect(peer.requests).toHaveLength(0); // not started: nothing sent yet
    drainer.start();
    await drainer.flush();
    expect(await rows()).toHaveLength(0);
    const [sent] = peer.bodies().map((b) => b.message.params);
    expect(sent.batchId).toBe(written[0].batchId);
    expect(sent.deltas.map((d: any) => d.data.title)).toEqual(['a', 'b']);
  });

  it('keeps the rows while Snorky answers 503, and sends them once it answers', async () => {
    const ok = peer.answer;
    peer.answer = (_req, res) => replyJson(res, 503, 'Service unavailable');
    await dataSource.transaction((manager) => manager.save(manager.create(OutboxTask, { title: 'kept' })));
    expect(await drainer.drainOnce()).toEqual([0, expect.objectContaining({ status: 503 })]);
    expect(await rows()).toHaveLength(1);
    peer.answer = ok;
    expect(await drainer.drainOnce()).toEqual([1, undefined]);
    expect(await rows()).toHaveLength(0);
  });

  it('leaves no row for a rolled-back transaction', async () => {
    await dataSource
      .transaction(async (manager) => {
        await manager.save(manager.create(OutboxTask, { title: 'ghost' }));
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect(await rows()).toHaveLength(0);
  });
});
