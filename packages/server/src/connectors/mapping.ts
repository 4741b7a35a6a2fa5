/**
 * Topic, event and id templates: `{field}` is replaced by a field of the source message,
 * `{data.region}` reads inside. Compiled once per connector, rendered once per message.
 */
type Part = string | string[];

/** A compiled template. */
export class Template {
  private readonly parts: Part[] = [];
  /** Field paths the template reads. */
  readonly fields: string[] = [];

  constructor(readonly source: string) {
    let last = 0;
    for (const m of source.matchAll(/\{([A-Za-z_][\w.-]*)\}/g)) {
      if (m.index > last) this.parts.push(source.slice(last, m.index));
      const path = m[1] as string;
      this.parts.push(path.split("."));
      this.fields.push(path);
      last = m.index + m[0].length;
    }
    if (last < source.length) this.parts.push(source.slice(last));
  }

  /** Renders over `fields`; a missing field renders as "" (the topic check then names the problem). */
  render(fields: Record<string, unknown>): string {
    let out = "";
    for (const part of this.parts) {
      if (typeof part === "string") {
        out += part;
        continue;
      }
      let v: unknown = fields;
      for (const seg of part) {
        v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[seg] : undefined;
      }
      if (v === undefined || v === null) continue;
      out += typeof v === "object" ? JSON.stringify(v) : String(v);
    }
    return out;
  }
}
