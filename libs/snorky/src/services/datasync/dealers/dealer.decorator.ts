import { applyDecorators, SetMetadata } from '@nestjs/common';
import { InjectableOnce } from '../../../registry/injectable-once';

export const DEALER_METADATA = 'snorky:dealer';

export interface DealerOptions {
  /** Name of the DataSync (frontend) service the dealer serves. Default 'datasync'. */
  service?: string;
  /** Name that authorizeSubscription items use. Default: the class name. */
  name?: string;
}

/**
 * Marks a provider (a class extending BroadcastDealer, SimpleDealer, FilterDealer or BaseDealer)
 * as a dealer of a DataSync service. List it in a module's providers: the explorer finds it at
 * module init, and it can inject anything like any other provider.
 */
export function Dealer(options: DealerOptions = {}): ClassDecorator {
  return applyDecorators(InjectableOnce(), SetMetadata(DEALER_METADATA, options));
}
