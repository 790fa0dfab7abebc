import { IsNumber, IsOptional } from 'class-validator';
import { RpcCommand, RpcService, SnorkyService } from '@snorky/nest';

export class SumParams {
  @IsNumber()
  number1: number;

  @IsNumber()
  number2: number;
}

export class LogParams {
  @IsNumber()
  number: number;

  /** Optional, with a default, as in the seed's `base=2.718`. */
  @IsOptional()
  @IsNumber()
  base: number = Math.E;
}

/** Seed guide, "Commands": sums and logarithms. */
@SnorkyService('calculator')
export class CalculatorService extends RpcService {
  @RpcCommand()
  sum({ number1, number2 }: SumParams): number {
    return number1 + number2;
  }

  @RpcCommand()
  log({ number, base }: LogParams): number {
    return Math.log(number) / Math.log(base);
  }
}
