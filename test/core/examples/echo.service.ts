import { Client, Service, SnorkyService } from '@snorky/nest';

/** Seed guide, "The Service definition": sends back every message it receives. */
@SnorkyService('echo')
export class EchoService extends Service {
  processMessageFrom(client: Client, message: unknown): void {
    this.sendMessageTo(client, message);
  }
}
