import { CallHandler, CanActivate, Catch, Controller, ExceptionFilter, ExecutionContext, Get, Injectable, NestInterceptor, PipeTransform, ArgumentsHost } from '@nestjs/common';
import { map } from 'rxjs';
import { PubSubBackend, PubSubService } from '@snorky/nest';
import { HTTP_ADAPTERS, RunningSnorkyApp, startSnorkyApp, TEST_API_KEY } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { ProtocolProbeBackend } from './examples/protocol-probe.service';

const calls: string[] = [];

@Injectable()
class DenyAllGuard implements CanActivate {
  canActivate(): boolean {
    calls.push('guard');
    return false;
  }
}

@Injectable()
class WrapResponseInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    calls.push('interceptor');
    return next.handle().pipe(map((data) => ({ data })));
  }
}

@Injectable()
class RecordingPipe implements PipeTransform {
  transform(value: unknown) {
    calls.push('pipe');
    return value;
  }
}

@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    calls.push('filter');
    const response = host.switchToHttp().getResponse();
    if (typeof response.code === 'function') response.code(418).send({ teapot: true });
    else response.status(418).json({ teapot: true });
  }
}

@Controller('hello')
class HelloController {
  @Get()
  hello(): string {
    return 'hello';
  }
}

async function post(url: string, body: string, contentType?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'X-Backend-Key': TEST_API_KEY };
  if (contentType) headers['Content-Type'] = contentType;
  // fetch sends text/plain for a string body unless told otherwise; a Blob without a type sends no Content-Type.
  const res = await fetch(url, { method: 'POST', headers, body: contentType ? body : new Blob([body]) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Issue 15 item 3: the backend endpoint belongs to Snorky, not to the app's HTTP setup — a global prefix,
 * global guard, interceptor, pipe and filter do not touch it, on Express and on Fastify alike.
 */
describe.each(HTTP_ADAPTERS)('backend endpoint under the app global setup on %s', (adapter) => {
  let server: RunningSnorkyApp;
  const ping = JSON.stringify({ service: 'probe_backend', message: { command: 'ping', params: {}, callId: 1 } });
  const pong = { service: 'probe_backend', message: { type: 'response', callId: 1, data: 'pong' } };

  beforeAll(async () => {
    server = await startSnorkyApp([PubSubService, PubSubBackend, ProtocolProbeBackend], {}, {
      adapter,
      controllers: [HelloController],
      configure: (app) => {
        app.setGlobalPrefix('api');
        app.useGlobalGuards(new DenyAllGuard());
        app.useGlobalInterceptors(new WrapResponseInterceptor());
        app.useGlobalPipes(new RecordingPipe());
        app.useGlobalFilters(new TeapotFilter());
      },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => (calls.length = 0));

  it('the global setup is live for the app own routes (the proof the next tests mean something)', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/hello`);
    expect(res.status).toBe(418); // the guard refused, the filter answered
    expect(calls).toEqual(['guard', 'filter']);
  });

  it.each([
    ['application/json', 'application/json'],
    ['text/plain', 'text/plain'],
    ['no content type', undefined],
  ])('answers at its own path, untouched, with a %s body', async (_label, contentType) => {
    expect(await post(server.backendUrl, ping, contentType)).toEqual({ status: 200, body: pong });
    expect(calls).toEqual([]);
  });

  it('is not moved under the global prefix', async () => {
    expect((await post(`http://127.0.0.1:${server.port}/api/backend`, ping, 'application/json')).status).toBe(418); // the app's 404, through its filter
  });

  it('keeps its own status codes: 401 without a key, 400 on bad JSON, 405 on GET', async () => {
    const noKey = await fetch(server.backendUrl, { method: 'POST', body: ping });
    expect(noKey.status).toBe(401);
    expect((await post(server.backendUrl, '{"service":', 'application/json')).status).toBe(400);
    const get = await fetch(server.backendUrl);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(calls).toEqual([]);
  });

  it('publishes to WebSocket subscribers (the frontend is untouched by the global setup too)', async () => {
    const socket = await TestSocket.open(server.wsUrl);
    await socket.call('pubsub', 'subscribe', { channel: 'news' }, 0);
    const body = JSON.stringify({ service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'news', message: 'hi' } } });
    expect((await post(server.backendUrl, body, 'text/plain')).status).toBe(200);
    expect((await socket.next()).message).toEqual({ type: 'message', channel: 'news', message: 'hi' });
    socket.close();
    expect(calls).toEqual([]);
  });
});
