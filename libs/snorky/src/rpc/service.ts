import { Logger } from '@nestjs/common';
import type { Broker } from '../broker/broker';
import type { Roster } from '../broker/roster';
import type { Client } from '../client/client';
import { encodeEnvelope } from '../protocol/envelope';
import type { RegistrySide } from './metadata';

/** What the registry hands a service when it is attached (at module init). */
export interface ServiceContext {
  name: string;
  registry: RegistrySide;
  broker: Broker;
  /** Cluster-wide holds (names, members, cursors); in memory on a single node. */
  roster: Roster;
}

/**
 * A Snorky service: receives the `message` of every envelope addressed to its name.
 * Subclass `RpcService` for commands; subclass this for raw message handling.
 */
export abstract class Service {
  /** Set at attach time from `@SnorkyService` metadata unless the instance chose one itself. */
  name: string;
  registry: RegistrySide;
  broker: Broker;
  roster: Roster;
  protected logger = new Logger(this.constructor.name);

  /** Called once by the registry before any message arrives. */
  attach(context: ServiceContext): void {
    this.name = context.name;
    this.registry = context.registry;
    this.broker = context.broker;
    this.roster = context.roster;
    this.logger = new Logger(`${this.constructor.name}(${context.name})`);
    this.onAttach();
  }

  /** Hook for subclasses that need the broker or their name at start-up. */
  protected onAttach(): void {}

  abstract processMessageFrom(client: Client, message: unknown): void | Promise<void>;

  /** A client opened a connection on a transport of this service's registry (never for backend HTTP). */
  clientConnected(_client: Client): void {}

  /** The client's connection closed; it is gone for every service. */
  clientDisconnected(_client: Client): void {}

  /** Sends `message` to `client` in this service's envelope. Notifications must have a `type` other than response/error. */
  sendMessageTo(client: Client, message: unknown): void {
    client.send(encodeEnvelope(this.name, message));
  }
}
