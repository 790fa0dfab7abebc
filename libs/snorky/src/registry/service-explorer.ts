import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Broker } from '../broker/broker';
import { Roster } from '../broker/roster';
import { SNORKY_SERVICE_METADATA, SnorkyServiceMetadata } from '../rpc/metadata';
import { Service } from '../rpc/service';
import { decoratedProviders } from './decorated-providers';
import { SnorkyRegistries } from './snorky-registries';

/**
 * Discovery, not registration by hand: finds every provider whose class carries `@SnorkyService`,
 * attaches it (name, registry, broker, roster) and registers it in its registry.
 */
@Injectable()
export class ServiceExplorer implements OnModuleInit {
  private readonly logger = new Logger('SnorkyServiceExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registries: SnorkyRegistries,
    private readonly broker: Broker,
    private readonly roster: Roster,
  ) {}

  onModuleInit(): void {
    for (const { instance, metadata } of decoratedProviders<SnorkyServiceMetadata>(this.discovery, SNORKY_SERVICE_METADATA)) {
      if (!(instance instanceof Service)) {
        throw new Error(`${instance.constructor.name} has @SnorkyService but extends neither Service nor RpcService`);
      }
      instance.attach({ name: instance.name ?? metadata.name, registry: instance.registry ?? metadata.registry, broker: this.broker, roster: this.roster });
      this.registries.of(instance.registry).register(instance);
      this.logger.log(`${instance.registry} service "${instance.name}" (${instance.constructor.name})`);
    }
  }
}
