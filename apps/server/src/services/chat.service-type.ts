import { IsIn } from 'class-validator';
import { ChatService } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

/** `{ "type": "chat", "name": "chat" }`: channels with presence per identity (PROTOCOL §9). */
export class ChatEntryConfig extends ServiceEntryConfig {
  @IsIn(['chat']) override type: 'chat';
}

export const chatServiceType: ServiceType<ChatEntryConfig> = {
  config: ChatEntryConfig,
  providers: (entry) => [{ provide: serviceToken('chat', entry.name), useFactory: () => new ChatService({ name: entry.name }) }],
};
