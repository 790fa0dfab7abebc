import { chatServiceType } from './chat.service-type';
import { cursorsServiceType } from './cursors.service-type';
import { datasyncServiceType } from './datasync.service-type';
import { messagingServiceType } from './messaging.service-type';
import { identityServiceType } from './identity.service-type';
import { pubsubServiceType } from './pubsub.service-type';
import type { ServiceType } from './service-type';

/** Every `type` a config's `services` entry may have. Add a type here to make it configurable. */
export const SERVICE_TYPES: Record<string, ServiceType<any>> = {
  pubsub: pubsubServiceType,
  datasync: datasyncServiceType,
  messaging: messagingServiceType,
  chat: chatServiceType,
  cursors: cursorsServiceType,
  identity: identityServiceType,
};
