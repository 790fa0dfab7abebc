import { SetMetadata, applyDecorators } from '@nestjs/common';
import { InjectableOnce } from '../registry/injectable-once';
import { RegistrySide, SNORKY_SERVICE_METADATA, SnorkyServiceMetadata } from './metadata';

/**
 * Marks a provider as a Snorky service named `name` in the frontend (WebSocket, SockJS) or backend (HTTP)
 * registry. The explorer finds it at module init; list the class in a module's providers as usual.
 */
export function SnorkyService(name: string, options: { registry?: RegistrySide } = {}): ClassDecorator {
  const metadata: SnorkyServiceMetadata = { name, registry: options.registry ?? 'frontend' };
  return applyDecorators(InjectableOnce(), SetMetadata(SNORKY_SERVICE_METADATA, metadata));
}
