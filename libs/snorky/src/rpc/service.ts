import { Logger } from '@nestjs/common';
import type { Broker } from '../broker/broker';
import { LocalRoster, type Roster } from '../broker/roster';
import type { Client } from '../client/client';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { encodeEnvelope } from '../protocol/envelope';
import type { RegistrySide } from './metadata';
import { DEFAULT_LIMITS, ResolvedLimits } from '../limits/resolved-limits';

/** What the registry hands a service when it is attached (at module init). */
export interface ServiceContext {
  name: string;
  registry: RegistrySide;
  broker: Broker;
  /** Cluster-wide holds (names, members, cursors); absent when attached by hand: a fresh in-memory one. */
  roster?: Roster;
  /** The node's recorder; absent when a service is attached by hand (unit tests). */
  metrics?: SnorkyMetrics;
  /** The node's resolved limits (subscriptions per connection, channel size...). */
  limits: ResolvedLimits;
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
  /** Where the service reports its figures (subscriptions, publications, commands). */
  metrics: SnorkyMetrics;
  /** The node's resolved limits (PROTOCOL §11); the defaults until attached. */
  limits: ResolvedLimits = DEFAULT_LIMITS;
  protected logger = new Logger(this.constructor.name);

  /** Called once by the registry before any message arrives. */
  attach(context: ServiceContext): void {
    this.name = context.name;
    this.registry = context.registry;
    this.broker = context.broker;
    this.roster = context.roster ?? new LocalRoster();
    this.metrics = context.metrics ?? SnorkyMetrics.detached();
    this.limits = context.limits;
    this.logger = new Logger(`${this.constructor.name}(${context.name})`);
    this.onAttach();
  }

  /** Hook for subclasses that need the broker or their name at start-up. */
  protected onAttach(): void {}

  abstract processMessageFrom(client: Client, message: unknown): void | Promise<void>;

  /**
   * A message that will not be processed (e.g. over the connection's request rate): answer it with
   * the error `text` if the service can tell who waits for an answer. The default drops it.
   */
  refuseMessageFrom(_client: Client, _message: unknown, _text: string): void {}

  /** A client opened a connection on a transport of this service's registry (never for backend HTTP). */
  clientConnected(_client: Client): void {}

  /** The client's connection closed; it is gone for every service. */
  clientDisconnected(_client: Client): void {}

  /** Sends `message` to `client` in this service's envelope. Notifications must have a `type` other than response/error. */
  sendMessageTo(client: Client, message: unknown): void {
    client.send(encodeEnvelope(this.name, message));
  }
}
