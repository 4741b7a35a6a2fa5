/**
 * The features this gateway serves, by name, as the dashboard's `GET /api/dashboard/info`
 * reports them: a dashboard view is shown only when its feature is listed. A module that adds
 * a feature (pipeline, connectors, aggregations, alerts, streams …) calls `add` when it is
 * wired into the gateway.
 */
export class Features {
  private readonly names = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const name of initial) this.add(name);
  }

  /** Lists a feature (idempotent). Names are lower-case words: `alerts`, `connectors`. */
  add(name: string): this {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`feature names are lower-case words, got "${name}"`);
    this.names.add(name);
    return this;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Every listed feature, sorted. */
  list(): string[] {
    return [...this.names].sort();
  }
}
