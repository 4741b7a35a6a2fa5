/** The compute store in memory: for tests and for gateways built without persistence. */
import type { ComputeStore, RecordKind, SeriesPoint } from "./compute-store.js";

export class MemoryComputeStore implements ComputeStore {
  readonly kind = "memory";
  private readonly records = new Map<string, Map<string, string>>();
  private readonly points = new Map<string, Map<number, string>>();

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  private table(kind: RecordKind): Map<string, string> {
    let t = this.records.get(kind);
    if (t === undefined) {
      t = new Map();
      this.records.set(kind, t);
    }
    return t;
  }

  // Documents are kept serialised so a caller mutating its object cannot change what is stored.
  async put(kind: RecordKind, id: string, doc: unknown): Promise<void> {
    this.table(kind).set(id, JSON.stringify(doc));
  }

  async insert(kind: RecordKind, id: string, doc: unknown): Promise<boolean> {
    const t = this.table(kind);
    if (t.has(id)) return false;
    t.set(id, JSON.stringify(doc));
    return true;
  }

  async get<T>(kind: RecordKind, id: string): Promise<T | undefined> {
    const raw = this.table(kind).get(id);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  async list<T>(kind: RecordKind, prefix = ""): Promise<Array<{ id: string; doc: T }>> {
    const out: Array<{ id: string; doc: T }> = [];
    for (const [id, raw] of this.table(kind)) if (id.startsWith(prefix)) out.push({ id, doc: JSON.parse(raw) as T });
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async remove(kind: RecordKind, id: string): Promise<boolean> {
    return this.table(kind).delete(id);
  }

  async removePrefix(kind: RecordKind, prefix: string): Promise<number> {
    const t = this.table(kind);
    let n = 0;
    for (const id of [...t.keys()]) if (id.startsWith(prefix) && t.delete(id)) n++;
    return n;
  }

  async appendSeries(name: string, points: readonly SeriesPoint[]): Promise<void> {
    let s = this.points.get(name);
    if (s === undefined) {
      s = new Map();
      this.points.set(name, s);
    }
    for (const p of points) s.set(p.at, JSON.stringify(p.value));
  }

  async series(name: string, from: number, to: number, limit: number): Promise<SeriesPoint[]> {
    const s = this.points.get(name);
    if (s === undefined) return [];
    return [...s.entries()]
      .filter(([at]) => at >= from && at <= to)
      .sort((a, b) => a[0] - b[0])
      .slice(0, limit)
      .map(([at, raw]) => ({ at, value: JSON.parse(raw) as unknown }));
  }

  async trimSeries(before: number): Promise<number> {
    let n = 0;
    for (const s of this.points.values()) {
      for (const at of [...s.keys()]) if (at < before && s.delete(at)) n++;
    }
    return n;
  }

  async dropSeries(name: string): Promise<number> {
    const n = this.points.get(name)?.size ?? 0;
    this.points.delete(name);
    return n;
  }
}
