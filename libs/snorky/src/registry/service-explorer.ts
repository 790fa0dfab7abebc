import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Broker } from '../broker/broker';
import { Roster } from '../broker/roster';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { CommandPipeline } from '../rpc/command-pipeline';
import { SNORKY_SERVICE_METADATA, SnorkyServiceMetadata } from '../rpc/metadata';
import { RpcService } from '../rpc/rpc.service';
import { Service } from '../rpc/service';
import { decoratedProviders } from './decorated-providers';
import { SnorkyRegistries } from './snorky-registries';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import { resolveLimits } from '../limits/resolved-limits';

/**
 * Discovery, not registration by hand: finds every provider whose class carries `@SnorkyService`,
 * attaches it (name, registry, broker, roster), builds its command table through the Nest pipeline and
 * registers it in its registry — all at module init, so a mistake fails start-up, not the first message.
 */
@Injectable()
export class ServiceExplorer implements OnModuleInit {
  private readonly logger = new Logger('SnorkyServiceExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registries: SnorkyRegistries,
    private readonly broker: Broker,
    private readonly roster: Roster,
    private readonly pipeline: CommandPipeline,
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly metrics: SnorkyMetrics,
  ) {}

  onModuleInit(): void {
    const limits = resolveLimits(this.options);
    for (const { instance, metadata, moduleKey } of decoratedProviders<SnorkyServiceMetadata>(this.discovery, SNORKY_SERVICE_METADATA, 'Service')) {
      if (!(instance instanceof Service)) {
        throw new Error(`${instance.constructor.name} has @SnorkyService but extends neither Service nor RpcService`);
      }
      instance.attach({ name: instance.name ?? metadata.name, registry: instance.registry ?? metadata.registry, broker: this.broker, roster: this.roster, limits, metrics: this.metrics });
      if (instance instanceof RpcService) instance.prepareCommands(this.pipeline.factoryFor(moduleKey));
      this.registries.of(instance.registry).register(instance);
      this.logger.log(`${instance.registry} service "${instance.name}" (${instance.constructor.name})`);
    }
  }
}
