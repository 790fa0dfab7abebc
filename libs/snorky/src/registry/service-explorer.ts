import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Broker } from '../broker/broker';
import { SNORKY_SERVICE_METADATA, SnorkyServiceMetadata } from '../rpc/metadata';
import { Service } from '../rpc/service';
import { SnorkyRegistries } from './snorky-registries';

/**
 * Discovery, not registration by hand: finds every provider whose class carries `@SnorkyService`,
 * attaches it (name, registry, broker) and registers it in its registry.
 */
@Injectable()
export class ServiceExplorer implements OnModuleInit {
  private readonly logger = new Logger('SnorkyServiceExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registries: SnorkyRegistries,
    private readonly broker: Broker,
  ) {}

  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== 'object' || seen.has(instance)) continue;
      const metadata: SnorkyServiceMetadata | undefined = Reflect.getMetadata(SNORKY_SERVICE_METADATA, instance.constructor);
      if (!metadata) continue;
      if (!(instance instanceof Service)) {
        throw new Error(`${instance.constructor.name} has @SnorkyService but extends neither Service nor RpcService`);
      }
      seen.add(instance);
      instance.attach({ name: instance.name ?? metadata.name, registry: instance.registry ?? metadata.registry, broker: this.broker });
      this.registries.of(instance.registry).register(instance);
      this.logger.log(`${instance.registry} service "${instance.name}" (${instance.constructor.name})`);
    }
  }
}
