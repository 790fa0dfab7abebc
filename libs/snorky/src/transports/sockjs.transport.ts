import { Injectable, Logger } from '@nestjs/common';
import type { Server } from 'http';
import * as sockjs from 'sockjs';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';
import { SnorkyRegistries } from '../registry/snorky-registries';

class SockJsClient implements Client {
  readonly id = newClientId('sockjs');
  readonly transport: TransportKind = 'sockjs';
  identity?: unknown;

  constructor(
    private readonly connection: sockjs.Connection,
    readonly remoteAddress: string | undefined,
  ) {}

  send(frame: Frame): void {
    this.connection.write(typeof frame === 'string' ? frame : frame.toString('utf8'));
  }
}

/** The frontend registry over SockJS (the original's third request handler), for clients without WebSocket. */
@Injectable()
export class SockJsTransport {
  private readonly logger = new Logger('SnorkySockJS');

  constructor(private readonly registries: SnorkyRegistries) {}

  install(server: Server, prefix: string): void {
    const sockjsServer = sockjs.createServer({
      prefix,
      log: (severity, message) => {
        if (severity === 'error') this.logger.error(message);
      },
    });
    sockjsServer.on('connection', (connection) => {
      if (!connection) return;
      const client = new SockJsClient(connection, connection.remoteAddress);
      const registry = this.registries.frontend;
      connection.on('data', (data: string) => registry.dispatch(client, data));
      connection.on('close', () => registry.clientDisconnected(client));
      registry.clientConnected(client);
    });
    sockjsServer.installHandlers(server, { prefix });
  }
}
