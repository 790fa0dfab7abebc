/**
 * The RPC path without sockets: a frontend registry with a real PubSubService (DTO validation,
 * canonical channel key, broker publish to a channel nobody holds) dispatching `publish` requests
 * from a client whose send() discards the reply — once with metrics on, once off, alternating.
 * What it measures is exactly what metrics add to a request (pre-bound command counters, two clock
 * reads, a histogram bucket), with no network and no other process in the way.
 */
import { DEFAULT_LIMITS, LocalBroker, PubSubService, ServiceRegistry, SnorkyMetrics } from '@snorky/nest';
import type { Client } from '@snorky/nest';

const REQUESTS = 2_000;

function setup(metricsOn: boolean): { registry: ServiceRegistry; client: Client; frames: Buffer[] } {
  const metrics = new SnorkyMetrics(metricsOn ? {} : { metrics: false });
  const registry = new ServiceRegistry('frontend', 1024 * 1024, undefined, undefined, metrics);
  const pubsub = new PubSubService();
  pubsub.attach({ name: 'pubsub', registry: 'frontend', broker: new LocalBroker(), limits: DEFAULT_LIMITS, metrics });
  registry.register(pubsub);
  const client: Client = { id: 'bench', transport: 'websocket', send: () => undefined };
  const frames = Array.from({ length: 100 }, (_, i) =>
    Buffer.from(`{"service":"pubsub","message":{"command":"publish","params":{"channel":"c${i}","message":{"n":${i}}},"callId":${i}}}`),
  );
  return { registry, client, frames };
}

/** CPU µs per request over one round of REQUESTS dispatches (each awaited in batches of 100). */
async function round(side: ReturnType<typeof setup>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i += 100) {
    for (const frame of side.frames) side.registry.dispatch(side.client, frame);
    await new Promise((r) => setImmediate(r));
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / REQUESTS;
}

export async function measureRpcDispatch(rounds: number): Promise<{ on: number[]; off: number[] }> {
  const on = setup(true);
  const off = setup(false);
  for (let i = 0; i < 3; i++) await round(on), await round(off); // warm-up (JIT)
  const result = { on: [] as number[], off: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) result.on.push(await round(on)), result.off.push(await round(off));
    else result.off.push(await round(off)), result.on.push(await round(on));
  }
  return result;
}
