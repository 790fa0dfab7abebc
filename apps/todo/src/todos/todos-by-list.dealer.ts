import { Dealer, SimpleDealer } from '@snorky/nest';

export const TODO_MODEL = 'Todo';
export const TODOS_BY_LIST = 'TodosByList';

/**
 * Routes Todo deltas to the subscriptions whose query is the todo's list name: a page subscribed
 * to one list never sees another list's changes.
 */
@Dealer({ name: TODOS_BY_LIST })
export class TodosByList extends SimpleDealer {
  model = TODO_MODEL;
  key = 'list';
}
