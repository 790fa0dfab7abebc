import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Broker } from '../broker/broker';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import { EndpointListeners } from '../transports/endpoint-listeners';
import { SnorkyWebSocketGateway } from '../transports/websocket.gateway';

export interface SnorkyHealthStatus {
  /** Liveness: every listener of the node accepts connections. */
  live: boolean;
  /** Readiness: live, broker reachable and not draining; a load balancer sends traffic only then. */
  ready: boolean;
  listeners: { frontend: boolean; backend: boolean | null };
  broker: { clustered: boolean; up: boolean };
  draining: boolean;
}

/**
 * The node's health in one place: the standalone server's /health and /ready and the terminus
 * SnorkyHealthIndicator both read `status()`.
 *
 * Graceful drain (connection cap, shutdown) calls `startDraining()` before it closes anything, so
 * readiness fails first and the load balancer stops sending new clients; app shutdown does it too.
 */
@Injectable()
export class SnorkyHealth implements BeforeApplicationShutdown {
  private drainingSince: number | undefined;

  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly broker: Broker,
    private readonly gateway: SnorkyWebSocketGateway,
    private readonly listeners: EndpointListeners,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  beforeApplicationShutdown(): void {
    this.startDraining();
  }

  status(): SnorkyHealthStatus {
    const frontend = this.gateway.listening;
    const backend = this.backendListening();
    const live = frontend && backend !== false;
    const broker = { clustered: this.broker.clustered, up: this.broker.available };
    return { live, ready: live && broker.up && !this.draining, listeners: { frontend, backend }, broker, draining: this.draining };
  }

  /** null: no backend endpoint at all. */
  private backendListening(): boolean | null {
    const backend = this.options.backend;
    if (!backend) return null;
    if (backend.port !== undefined) return this.listeners.listening('backend');
    return !!this.adapterHost.httpAdapter?.getHttpServer()?.listening;
  }
}
