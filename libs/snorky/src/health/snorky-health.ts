import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Broker } from '../broker/broker';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import { DrainState } from '../transports/drain-state';
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
 * Draining is the node's DrainState: the drain of `app.close()` (SIGTERM) begins it first thing, so
 * readiness fails at once and the load balancer stops sending new clients; `startDraining()` does it
 * by hand (e.g. before a planned restart).
 */
@Injectable()
export class SnorkyHealth {

  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly broker: Broker,
    private readonly gateway: SnorkyWebSocketGateway,
    private readonly listeners: EndpointListeners,
    private readonly adapterHost: HttpAdapterHost,
    private readonly drain: DrainState,
  ) {}

  get draining(): boolean {
    return this.drain.draining;
  }

  /** Readiness fails from now on, and new connections and backend requests are refused (503). */
  startDraining(): void {
    this.drain.beginDrain();
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
