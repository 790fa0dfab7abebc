/**
 * The two Nest servers of bench:rpc, one per process: `gateway` (b) is what a Nest user writes without
 * us — @WebSocketGateway + @SubscribeMessage on @nestjs/platform-ws, the params DTO validated by a
 * ValidationPipe (the same DTO Snorky validates); `snorky` is SnorkyModule with the seed's calculator.
 * Each serves `sum` twice: bare, and with the same guard + interceptor (`guardedSum` / service `guarded`).
 */
import 'reflect-metadata';
import { Module, UseGuards, UseInterceptors, UsePipes, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { IsNumber } from 'class-validator';
import type { AddressInfo } from 'net';
import { RpcCommand, RpcService, SnorkyModule, SnorkyService } from '@snorky/nest';
import { SumParams } from '../../test/core/examples/calculator.service';
import { BenchGuard, BenchInterceptor } from './enhancers';
import { UNLIMITED } from '../bench-limits';

class GatewaySumParams extends SumParams {
  @IsNumber()
  id: number;
}

const validation = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true });

@WebSocketGateway({ path: '/gateway' })
class SumGateway {
  @SubscribeMessage('sum')
  @UsePipes(validation)
  sum(@MessageBody() { id, number1, number2 }: GatewaySumParams) {
    return { event: 'sum', data: { id, result: number1 + number2 } };
  }

  @SubscribeMessage('guardedSum')
  @UseGuards(BenchGuard)
  @UseInterceptors(BenchInterceptor)
  @UsePipes(validation)
  guardedSum(@MessageBody() { id, number1, number2 }: GatewaySumParams) {
    return { event: 'guardedSum', data: { id, result: number1 + number2 } };
  }
}

@SnorkyService('calculator')
class CalculatorService extends RpcService {
  @RpcCommand()
  sum({ number1, number2 }: SumParams): number {
    return number1 + number2;
  }
}

@SnorkyService('guarded')
class GuardedCalculatorService extends RpcService {
  @RpcCommand()
  @UseGuards(BenchGuard)
  @UseInterceptors(BenchInterceptor)
  sum({ number1, number2 }: SumParams): number {
    return number1 + number2;
  }
}

@Module({ providers: [SumGateway, BenchGuard, BenchInterceptor] })
class GatewayModule {}

@Module({
  imports: [SnorkyModule.forRoot({ frontend: { path: '/ws', pingInterval: 0 }, backend: false, ...UNLIMITED })],
  providers: [CalculatorService, GuardedCalculatorService, BenchGuard, BenchInterceptor],
})
class SnorkyBenchModule {}

async function main(): Promise<void> {
  const which = process.argv[2];
  const app = await NestFactory.create(which === 'gateway' ? GatewayModule : SnorkyBenchModule, { logger: false });
  if (which === 'gateway') app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  console.log(`listening on ws://127.0.0.1:${port}${which === 'gateway' ? '/gateway' : '/ws'}`);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
