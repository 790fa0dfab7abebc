/**
 * Which entities publish DataSync deltas, and how: the Node counterpart of the Python connector's
 * `@subscribable` and the Ruby `Snorky::Subscribable`. A module-level registry (like theirs), read by
 * every SnorkySubscriber.
 */

export interface SubscribableOptions<T = any> {
  /** The delta `model` (what dealers' `model` refers to); default: the registered class's name. */
  model?: string;
  /** What deltas carry as data / newData / oldData; default: every column by property name. */
  toJson?: (entity: T) => unknown;
}

export interface SubscribableRegistration {
  model: string;
  toJson?: (entity: any) => unknown;
}

/** Keyed by entity class, or by name for EntitySchema entities. */
const registry = new Map<Function | string, SubscribableRegistration>();

/**
 * Marks an entity as subscribable. Two forms:
 *
 *   @Entity() @subscribable({ toJson: (t: Task) => ({ id: t.id, title: t.title }) }) class Task {}
 *   subscribable(Task, { model: 'Task' });      // for classes you cannot decorate
 *
 * Subclasses inherit the registration (and its model name) unless registered themselves.
 */
export function subscribable<T>(target: (new (...args: any[]) => T) | Function | string, options?: SubscribableOptions<T>): void;
export function subscribable<T>(options?: SubscribableOptions<T>): ClassDecorator;
export function subscribable(
  targetOrOptions?: Function | string | SubscribableOptions,
  options: SubscribableOptions = {},
): ClassDecorator | void {
  if (typeof targetOrOptions === 'function' || typeof targetOrOptions === 'string') {
    register(targetOrOptions, options);
    return;
  }
  const decoratorOptions = targetOrOptions ?? {};
  return (target: Function) => register(target, decoratorOptions);
}

function register(target: Function | string, options: SubscribableOptions): void {
  const model = options.model ?? (typeof target === 'string' ? target : target.name);
  if (!model) throw new TypeError('subscribable: the entity has no name; pass { model }');
  registry.set(target, { model, toJson: options.toJson });
}

/** The registration of an entity class (walking up its superclasses) or schema name, if any. */
export function subscribableRegistration(target: Function | string | undefined): SubscribableRegistration | undefined {
  if (typeof target === 'string') return registry.get(target);
  for (let cls: any = target; typeof cls === 'function' && cls !== Function.prototype; cls = Object.getPrototypeOf(cls)) {
    const found = registry.get(cls);
    if (found) return found;
  }
  return undefined;
}

/** Removes a registration (tests; entities registered twice under different options). */
export function unregisterSubscribable(target: Function | string): void {
  registry.delete(target);
}
