/**
 * The Origin allow-list checked on WebSocket upgrades (cross-site WebSocket hijacking: a page
 * on another site opening a socket with the victim's cookies). Browsers always send `Origin`;
 * clients that send none are not browsers and are let through.
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly exact = new Set<string>();
  private readonly wildcards: Array<{ scheme: string; suffix: string }> = [];

  /** `allowed`: `*`, `scheme://host[:port]`, or `scheme://*.domain[:port]`. `[]` means same-origin only. */
  constructor(allowed: readonly string[]) {
    this.any = allowed.includes("*");
    for (const a of allowed) {
      if (a === "*") continue;
      const lower = a.toLowerCase();
      const m = /^([a-z][a-z0-9+.-]*:\/\/)\*(\..+)$/.exec(lower);
      if (m) this.wildcards.push({ scheme: m[1] as string, suffix: m[2] as string });
      else this.exact.add(lower);
    }
  }

  /** Whether an upgrade with this `Origin` and `Host` is allowed. */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.any) return true;
    const o = origin.toLowerCase();
    if (this.exact.has(o)) return true;
    for (const w of this.wildcards) {
      if (o.startsWith(w.scheme) && o.endsWith(w.suffix) && o.length > w.scheme.length + w.suffix.length) {
        const label = o.slice(w.scheme.length, o.length - w.suffix.length);
        if (!label.includes("/") && !label.includes("@")) return true;
      }
    }
    // Same origin: the page was served by this host.
    if (host === undefined) return false;
    try {
      return new URL(o).host === host.toLowerCase();
    } catch {
      return false;
    }
  }
}
