/**
 * A tiny typed event, the successor of the js-signals `Signal` the original
 * Snorky.js used. Every event of the client is one of these (or of the class
 * set in `Snorky.Signal` / `options.Signal`, so adapters can hook dispatch).
 */
export type Listener<T> = (value: T) => void;

export interface SignalBinding {
  /** Removes the listener this binding was created for. */
  detach(): void;
}

/** What the client needs from an event class; adapters may subclass `Signal`. */
export interface SignalLike<T> {
  add(listener: Listener<T>, context?: unknown): SignalBinding;
  addOnce(listener: Listener<T>, context?: unknown): SignalBinding;
  remove(listener: Listener<T>, context?: unknown): void;
  removeAll(): void;
  dispatch(value: T): void;
  getNumListeners(): number;
}

/** A class producing signals; `new SignalClass<T>()`. */
export type SignalClass = new <T>() => SignalLike<T>;

interface Binding<T> {
  listener: Listener<T>;
  context: unknown;
  once: boolean;
}

export class Signal<T = void> implements SignalLike<T> {
  private bindings: Binding<T>[] = [];

  add(listener: Listener<T>, context?: unknown): SignalBinding {
    return this.register(listener, context, false);
  }

  addOnce(listener: Listener<T>, context?: unknown): SignalBinding {
    return this.register(listener, context, true);
  }

  remove(listener: Listener<T>, context?: unknown): void {
    this.bindings = this.bindings.filter((b) => !(b.listener === listener && b.context === context));
  }

  removeAll(): void {
    this.bindings = [];
  }

  getNumListeners(): number {
    return this.bindings.length;
  }

  dispatch(value: T): void {
    // Iterate over a snapshot: listeners may add or remove listeners while we dispatch.
    for (const binding of this.bindings.slice()) {
      if (binding.once) this.bindings = this.bindings.filter((b) => b !== binding);
      binding.listener.call(binding.context, value);
    }
  }

  private register(listener: Listener<T>, context: unknown, once: boolean): SignalBinding {
    if (typeof listener !== 'function') throw new TypeError('Signal listener must be a function');
    const existing = this.bindings.find((b) => b.listener === listener && b.context === context);
    if (existing) {
      if (existing.once !== once) {
        throw new Error('The listener was already added with ' + (existing.once ? 'addOnce()' : 'add()'));
      }
    } else {
      this.bindings.push({ listener, context, once });
    }
    return { detach: () => this.remove(listener, context) };
  }
}
