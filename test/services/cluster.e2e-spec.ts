import { chatContract } from './contract/chat.contract';
import { cursorsContract } from './contract/cursors.contract';
import { eventually } from '../cluster/support/cluster';
import { limitsContract } from './contract/limits.contract';
import { messagingContract } from './contract/messaging.contract';
import { unique } from './contract/unique';
import { useThreeNodes } from './support/setups';

/** Seconds after which the test nodes count a silent node as dead (services-node.ts: heartbeat 0.25 s). */
const NODE_TIMEOUT = 1.5;

/**
 * PROTOCOL §8–§10 across three node processes on one Redis (peer i talks to node i % 3), then the
 * failures: Redis restarting empty, Redis stalling, and (last) a node killed with SIGKILL.
 */
const cluster = useThreeNodes(NODE_TIMEOUT);
messagingContract(cluster);
chatContract(cluster);
cursorsContract(cluster);
limitsContract(cluster);

describe('Services across a cluster: failures', () => {
  it('Redis restarting empty: every node writes its names, members and cursors back', async () => {
    const name = unique('kept');
    const channel = unique('room');
    const document = unique('doc');
    const ann = { id: unique('ann') };
    const a = await cluster.member(0, ann);
    await a.call('messaging', 'registerParticipant', { name });
    await a.call('chat', 'join', { channel });
    await a.call('cursors', 'join', { document });
    const handle = await a.call('cursors', 'createCursor', { privateHandle: 1, document, position: 1, status: 1 });

    await cluster.redis.stop();
    await cluster.redis.restart();

    const b = await cluster.member(1, { id: unique('bob') });
    await eventually(async () => {
      expect(await b.call('messaging', 'listParticipants')).toContain(name);
    }, 10_000);
    expect(await b.error('messaging', 'registerParticipant', { name })).toBe('Name already registered');
    expect((await b.call('chat', 'join', { channel })).members).toEqual(expect.arrayContaining([ann]));
    expect((await b.call('cursors', 'join', { document })).cursors.map((c: any) => c.publicHandle)).toEqual([handle]);
  });

  it('a connection leaving while Redis stalls: its name, membership and cursor go once Redis answers, with left / cursorRemoved; no node is taken for dead', async () => {
    const name = unique('stalled');
    const channel = unique('room');
    const document = unique('doc');
    const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
    const watcher = await cluster.member(1, bob);
    await watcher.call('chat', 'join', { channel });
    await watcher.call('cursors', 'join', { document });
    const keeper = await cluster.member(2, { id: unique('carl') }); // on another node: must not be swept
    await keeper.call('chat', 'join', { channel });
    expect((await watcher.next('chat')).status).toBe('joined');
    const leaving = await cluster.member(0, ann);
    await leaving.call('messaging', 'registerParticipant', { name });
    await leaving.call('chat', 'join', { channel });
    await leaving.call('cursors', 'join', { document });
    const handle = await leaving.call('cursors', 'createCursor', { privateHandle: 1, document, position: 1, status: 1 });
    expect(await watcher.next('chat')).toMatchObject({ from: ann, status: 'joined' });
    expect((await watcher.next('cursors')).type).toBe('cursorAdded');

    const pid = (cluster.redis as any).child.pid as number;
    process.kill(pid, 'SIGSTOP'); // Redis hangs: commands time out (2 s), nothing is lost
    try {
      await leaving.close();
      await new Promise((r) => setTimeout(r, (NODE_TIMEOUT + 1) * 1000));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await watcher.next('chat', 10_000)).toMatchObject({ type: 'presence', from: ann, channel, status: 'left' });
    expect(await watcher.next('cursors', 10_000)).toEqual({ type: 'cursorRemoved', cursor: { publicHandle: handle, document } });
    await eventually(async () => expect(await watcher.call('messaging', 'listParticipants')).not.toContain(name));
    // carl (node 2) was not announced as left although every node missed its heartbeats
    await watcher.quiet('chat', 1000);
    const members = (await watcher.call('chat', 'leave', { channel }).then(() => watcher.call('chat', 'join', { channel }))).members;
    expect(members).toHaveLength(2);
  });
  it(`a killed node: survivors remove its names, members and cursors within ${NODE_TIMEOUT} s + heartbeat, with left / cursorRemoved`, async () => {
    const name = unique('doomed');
    const channel = unique('room');
    const document = unique('doc');
    const [ann, bob, carl] = [{ id: unique('ann') }, { id: unique('bob') }, { id: unique('carl') }];
    const watcher = await cluster.member(0, bob);
    const watcher1 = await cluster.member(1, carl);
    for (const w of [watcher, watcher1]) {
      await w.call('chat', 'join', { channel });
      await w.call('cursors', 'join', { document });
    }
    // ann is connected twice, on nodes 1 and 2; dave only on node 2.
    const dave = { id: unique('dave') };
    const annOn1 = await cluster.member(1, ann);
    const annOn2 = await cluster.member(2, ann);
    const daveOn2 = await cluster.member(2, dave);
    await annOn1.call('chat', 'join', { channel });
    await annOn2.call('chat', 'join', { channel });
    await daveOn2.call('chat', 'join', { channel });
    await daveOn2.call('messaging', 'registerParticipant', { name });
    await daveOn2.call('cursors', 'join', { document });
    const handle = await daveOn2.call('cursors', 'createCursor', { privateHandle: 1, document, position: 1, status: 1 });
    // what the watchers saw so far: carl (for bob only), ann and dave joined; dave's cursor
    for (const [w, presences] of [[watcher, 3], [watcher1, 2]] as const) {
      for (let i = 0; i < presences; i++) expect((await w.next('chat')).status).toBe('joined');
      expect((await w.next('cursors')).type).toBe('cursorAdded');
    }

    const killedAt = Date.now();
    await cluster.nodes[2].kill();

    const left = await watcher.next('chat', 10_000);
    const removed = await watcher.next('cursors', 10_000);
    const convergedMs = Date.now() - killedAt;
    expect(left).toMatchObject({ type: 'presence', from: dave, channel, status: 'left' });
    expect(removed).toEqual({ type: 'cursorRemoved', cursor: { publicHandle: handle, document } });
    expect((await watcher1.next('chat', 10_000)).from).toEqual(dave);
    expect((await watcher1.next('cursors', 10_000)).type).toBe('cursorRemoved');
    expect(convergedMs).toBeLessThan((NODE_TIMEOUT + 0.25) * 1000 + 1500);
    // ann still has a connection (node 1): she stays a member, no `left` for her
    await watcher.quiet('chat', 500);
    const eve = { id: unique('eve') };
    const members = (await cluster.member(0, eve).then((e) => e.call('chat', 'join', { channel }))).members;
    expect(members).toHaveLength(4);
    expect(members).toEqual(expect.arrayContaining([ann, bob, carl, eve]));
    // the name is free again, anywhere
    await eventually(async () => expect(await watcher.call('messaging', 'listParticipants')).not.toContain(name));
    expect(await watcher.call('messaging', 'registerParticipant', { name })).toBeNull();
    process.stdout.write(`presence and cursors converged ${convergedMs} ms after the node was killed (node timeout ${NODE_TIMEOUT} s)\n`);
  });

});
