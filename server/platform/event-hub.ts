// Breaks a construction cycle between two services: the hub is created before both, the emitter gets `emit`,
// and the listener is registered (`on`) in the same synchronous wiring step that builds it, so before
// anything can emit. An emit with no listener is not an error: nothing subscribed means nothing to do.
type Listener<Args extends unknown[]> = (...args: Args) => Promise<void> | void;

export class EventHub<Events extends Record<string, unknown[]>> {
  private readonly listeners = new Map<keyof Events, Listener<never[]>[]>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as unknown as Listener<never[]>);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event) ?? [];
      this.listeners.set(
        event,
        current.filter((l) => l !== (listener as unknown)),
      );
    };
  }

  /** Runs every listener of `event` in registration order and waits for each; the first failure rejects. */
  async emit<K extends keyof Events>(event: K, ...args: Events[K]): Promise<void> {
    for (const listener of this.listeners.get(event) ?? []) {
      await (listener as unknown as Listener<Events[K]>)(...args);
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}
