import { Scope } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';

export interface DecoratedProvider<M> {
  instance: object;
  metadata: M;
  /** Token of the module that declares the provider: where its guards, interceptors, pipes and filters are registered. */
  moduleKey: string | undefined;
}

/**
 * Every provider instance whose class carries `metadataKey`, once each (an instance exported under
 * several tokens is found once), with the metadata. Shared by the service and dealer explorers.
 * A request-scoped or transient provider (or one depending on a request-scoped provider) has no single
 * instance to receive every connection's messages: it fails start-up with the reason.
 */
export function decoratedProviders<M>(discovery: DiscoveryService, metadataKey: string, what: string): Array<DecoratedProvider<M>> {
  const found = new Map<object, DecoratedProvider<M>>();
  for (const wrapper of discovery.getProviders()) {
    const metatype = wrapper.metatype;
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
      if (typeof metatype === 'function' && Reflect.getMetadata(metadataKey, metatype)) {
        const scope = wrapper.isTransient ? 'transient-scoped' : wrapper.scope === Scope.REQUEST ? 'request-scoped' : 'request-scoped through one of its dependencies';
        throw new Error(
          `${what} ${metatype.name} is ${scope}: a Snorky ${what.toLowerCase()} must be a singleton, as one instance ` +
            'serves every connection (drop the scope, or inject request-scoped providers where they are used instead)',
        );
      }
      continue;
    }
    const instance: unknown = wrapper.instance;
    if (!instance || typeof instance !== 'object' || found.has(instance)) continue;
    const metadata: M | undefined = Reflect.getMetadata(metadataKey, instance.constructor);
    if (metadata) found.set(instance, { instance, metadata, moduleKey: wrapper.host?.token });
  }
  return [...found.values()];
}
