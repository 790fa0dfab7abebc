import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { decoratedProviders } from '../../registry/decorated-providers';
import { SnorkyRegistries } from '../../registry/snorky-registries';
import { DataSyncService } from './datasync.service';
import { BaseDealer, dealerName } from './dealers/base.dealer';
import { DEALER_METADATA, DealerOptions } from './dealers/dealer.decorator';

/**
 * Discovery of `@Dealer` providers, the same way services are discovered: at module init (after
 * the services are registered), each dealer is registered on the DataSync service it names.
 */
@Injectable()
export class DealerExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registries: SnorkyRegistries,
  ) {}

  onModuleInit(): void {
    for (const { instance, metadata: options } of decoratedProviders<DealerOptions>(this.discovery, DEALER_METADATA, 'Dealer')) {
      const className = instance.constructor.name;
      if (!(instance instanceof BaseDealer)) {
        throw new Error(`${className} has @Dealer but does not extend BroadcastDealer, SimpleDealer, FilterDealer or BaseDealer`);
      }
      const serviceName = options.service ?? 'datasync';
      const service = this.registries.frontend.get(serviceName);
      if (!(service instanceof DataSyncService)) {
        throw new Error(`dealer ${className}: no DataSync service named "${serviceName}" among the providers`);
      }
      service.registerDealer(instance, dealerName(instance, options.name));
    }
  }
}
