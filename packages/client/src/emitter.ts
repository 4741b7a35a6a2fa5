/**
 * A tiny typed event emitter shared by the client and its subscriptions. It has no Node
 * dependency (the browser build uses it too). A listener that throws does not break the
 * client: the error is rethrown on a fresh task, as the DOM does with event listeners.
 */

/** A listener for one event of map `M`. */
export type Listener<A> = (arg: A) => void;

export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Adds `listener` for `name`; returns a function that removes it. */
  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(name, listener);
  }

  /** Removes `listener` for `name` (no-op when absent). */
  off<K extends keyof M>(name: K, listener: Listener<M[K]>): void {
    const set = this.listeners.get(name);
    if (set?.delete(listener as Listener<never>) && set.size === 0) this.listeners.delete(name);
  }

  /** Adds a listener called at most once. */
  once<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    const off = this.on(name, (arg) => {
      off();
      listener(arg);
    });
    return off;
  }

  /** Number of listeners for `name` (for leak checks). */
  listenerCount(name: keyof M): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  protected emit<K extends keyof M>(name: K, arg: M[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<M[K]>)(arg);
      } catch (err) {
        setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
