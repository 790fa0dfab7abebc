import { BaseDealer, dealerName } from './dealers/base.dealer';

/** The dealers of one DataSync service, by name (authorization) and by model (routing). */
export class DealerRegistry {
  private readonly byName = new Map<string, BaseDealer>();
  private readonly byModel = new Map<string, BaseDealer[]>();

  register(dealer: BaseDealer, name: string = dealerName(dealer)): void {
    if (typeof dealer.model !== 'string' || dealer.model.length === 0) {
      throw new Error(`dealer ${name}: "model" must be a non-empty string`);
    }
    if (this.byName.has(name)) throw new Error(`two dealers named "${name}" on the same DataSync service`);
    this.byName.set(name, dealer);
    const list = this.byModel.get(dealer.model);
    if (list) list.push(dealer);
    else this.byModel.set(dealer.model, [dealer]);
  }

  get(name: string): BaseDealer | undefined {
    return this.byName.get(name);
  }

  /** Empty for a model no dealer handles: its deltas are accepted and reach nobody (§4 Fix). */
  forModel(model: string): readonly BaseDealer[] {
    return this.byModel.get(model) ?? [];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
