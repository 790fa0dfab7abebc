import type { DiscoveryService } from '@nestjs/core';

/**
 * Every provider instance whose class carries `metadataKey`, once each (an instance exported under
 * several tokens is found once), with the metadata. Request-scoped providers have no single instance
 * and are skipped. Shared by the service and dealer explorers.
 */
export function decoratedProviders<M>(discovery: DiscoveryService, metadataKey: string): Array<{ instance: object; metadata: M }> {
  const found = new Map<object, M>();
  for (const wrapper of discovery.getProviders()) {
    const instance: unknown = wrapper.instance;
    if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== 'object' || found.has(instance)) continue;
    const metadata: M | undefined = Reflect.getMetadata(metadataKey, instance.constructor);
    if (metadata) found.set(instance, metadata);
  }
  return [...found].map(([instance, metadata]) => ({ instance, metadata }));
}
