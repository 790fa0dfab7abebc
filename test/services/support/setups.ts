import { ChildProcess, spawn } from 'child_process';
import { join } from 'path';
import { RedisProcess } from '../../cluster/support/redis-process';
import { RunningSnorkyApp, startSnorkyApp } from '../../support/snorky-app';
import { Peer } from './peer';
import { QueryAuthenticator, SERVICE_PROVIDERS, TEST_LIMITS, urlAs } from './test-services';

const ROOT = join(__dirname, '..', '..', '..');

/** Where a services suite runs: one node, or three nodes of a cluster on Redis. */
export interface ServicesSetup {
  readonly label: string;
  readonly nodeCount: number;
  /** A connection to node `i` (modulo the node count), closed after the suite. */
  open(node: number): Promise<Peer>;
  /** A connection authenticated as `identity`. */
  member(node: number, identity: unknown): Promise<Peer>;
}

function withPeers(label: string, nodeCount: number, url: (i: number) => string): ServicesSetup & { closePeers(): Promise<void> } {
  const peers: Peer[] = [];
  const setup = {
    label,
    nodeCount,
    async open(node: number) {
      const peer = await Peer.open(url(node % nodeCount));
      peers.push(peer);
      return peer;
    },
    /** Authenticated by the app's authenticator from the handshake (PROTOCOL §7). */
    async member(node: number, identity: unknown) {
      const peer = await Peer.open(urlAs(url(node % nodeCount), identity));
      peers.push(peer);
      return peer;
    },
    async closePeers() {
      await Promise.all(peers.splice(0).map((p) => p.close()));
    },
  };
  return setup;
}

/** One Nest app, in this process. */
export function useOneNode(): ServicesSetup {
  let server: RunningSnorkyApp;
  const setup = withPeers('one node', 1, () => server.wsUrl);
  beforeAll(async () => {
    server = await startSnorkyApp(SERVICE_PROVIDERS, { backend: false, frontend: { authenticator: QueryAuthenticator }, limits: TEST_LIMITS });
  });
  afterAll(async () => {
    await setup.closePeers();
    await server?.close();
  });
  return setup;
}

/** A node in its own process (services-node.ts), so it can be killed like a crashed machine. */
export class NodeProcess {
  private output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(redisUrl: string, nodeTimeout = 1.5, heartbeatInterval = 0.25): Promise<NodeProcess> {
    const child = spawn(process.execPath, ['-C', '@snorky/source', '-r', './scripts/register.js', 'test/services/support/services-node.ts'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redisUrl, NODE_TIMEOUT: String(nodeTimeout), HEARTBEAT_INTERVAL: String(heartbeatInterval) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`services node did not start within 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (ws:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`services node exited with ${code}:\n${output}`));
      });
    });
    const node = new NodeProcess(child, url);
    node.output = output;
    child.stdout!.on('data', (c) => (node.output += c));
    child.stderr!.on('data', (c) => (node.output += c));
    return node;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no goodbye, its connections and Redis state are simply abandoned. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export interface ClusterSetup extends ServicesSetup {
  redis: RedisProcess;
  nodes: NodeProcess[];
}

/** Three node processes on a dedicated Redis; peers spread over them by index. */
export function useThreeNodes(nodeTimeout = 1.5): ClusterSetup {
  const nodes: NodeProcess[] = [];
  const base = withPeers('three nodes on Redis', 3, (i) => nodes[i].url);
  const setup = Object.assign(base, { redis: undefined as unknown as RedisProcess, nodes });
  beforeAll(async () => {
    setup.redis = await RedisProcess.start();
    nodes.push(...(await Promise.all([0, 1, 2].map(() => NodeProcess.start(setup.redis.url, nodeTimeout)))));
  }, 60_000);
  afterAll(async () => {
    await base.closePeers();
    await Promise.all(nodes.map((n) => n.stop()));
    await setup.redis?.stop();
  });
  return setup;
}
