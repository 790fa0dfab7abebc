import {
  BadRequestException,
  Controller,
  GatewayTimeoutException,
  Header,
  HttpCode,
  Inject,
  ServiceUnavailableException,
  Post,
  Req,
  Type,
  UseGuards,
} from '@nestjs/common';
import type { IncomingMessage } from 'http';
import { SnorkyRegistries } from '../registry/snorky-registries';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_FRAME_SIZE, type SnorkyModuleOptions } from '../snorky-options';
import { ApiKeyGuard } from './api-key.guard';
import { BackendRequestClient } from './backend-request-client';
import { readJsonBody } from './read-body';

/** How long a backend request waits for its service's reply before answering 504. */
const REPLY_TIMEOUT_MS = 30_000;

/**
 * The backend registry over HTTP (PROTOCOL §5): POST one envelope, get the reply envelope.
 * Built per module declaration because a controller's route is fixed when it is declared.
 */
export function createBackendController(path: string): Type<unknown> {
  @Controller(path)
  @UseGuards(ApiKeyGuard)
  class SnorkyBackendController {
    private readonly maxFrameSize: number;

    constructor(
      private readonly registries: SnorkyRegistries,
      @Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions,
    ) {
      this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    }

    @Post()
    @HttpCode(200)
    @Header('Content-Type', 'application/json; charset=utf-8')
    async handle(@Req() req: IncomingMessage): Promise<string> {
      const body = await readJsonBody(req, this.maxFrameSize, this.registries.backend.maxJsonDepth);
      const client = new BackendRequestClient(req.socket.remoteAddress);
      this.registries.backend.dispatchParsed(client, body);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GatewayTimeoutException('The service did not reply in time')), REPLY_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([client.outcome, timeout]);
        if ('dropped' in outcome) throw new BadRequestException(`Request dropped: ${outcome.dropped}`);
        if ('unavailable' in outcome) throw new ServiceUnavailableException(`Service unavailable: ${outcome.unavailable}`);
        return outcome.frame;
      } finally {
        clearTimeout(timer);
      }
    }
  }
  return SnorkyBackendController;
}
