/**
 * Checks every WebSocket upgrade before any transport sees it: the header count, the Origin
 * allow-list, then the per-IP connection rate. A refused upgrade gets a plain HTTP answer (403 or 429 with
 * `Retry-After`) and no WebSocket is ever created, so a refusal costs no session state.
 */
import type { IncomingMessage } from "node:http";
import type { HeraldConfig } from "../config-types.js";
import { type Logger, RateLimitedLog } from "../log.js";
import { ConnectionRate } from "./connection-rate.js";
import { headersTooLarge, tooManyHeaders } from "./http.js";
import { OriginPolicy } from "./origin.js";

export class UpgradeGuard {
  private readonly origins: OriginPolicy;
  readonly rate: ConnectionRate;
  /** Refusals by reason, for metrics and tests. */
  readonly refused = { origin: 0, rate: 0 };
  /** Refusals are logged at info, at most 10 lines per 10 s each (a page can retry in a loop). */
  private readonly originLog: RateLimitedLog | undefined;
  private readonly rateLog: RateLimitedLog | undefined;

  constructor(
    private readonly config: Pick<HeraldConfig, "server" | "limits" | "headers">,
    log?: Logger,
  ) {
    this.origins = new OriginPolicy(config.server.allowedOrigins);
    if (log) {
      this.originLog = new RateLimitedLog(log, "upgrade refused: origin not allowed");
      this.rateLog = new RateLimitedLog(log, "upgrade refused: connection rate");
    }
    this.rate = new ConnectionRate(config.limits.connectionsPerIpPerSecond, config.limits.connectionBurstPerIp);
  }

  /**
   * The raw HTTP response refusing this upgrade, or undefined to let it through. With
   * `originAsClose`, a refused Origin answers `ORIGIN_CLOSE` instead of a 403 once the
   * connection rate admitted it: the caller completes the upgrade and closes it with 4504, which
   * a browser can read (an HTTP refusal of an upgrade reaches a page only as 1006).
   */
  check(req: IncomingMessage, originAsClose = false): string | undefined {
    if (tooManyHeaders(req, this.config)) {
      return headersTooLarge(`more than ${this.config.headers.maxCount} header lines`);
    }
    const origin = req.headers.origin;
    const originOk = this.origins.allows(typeof origin === "string" ? origin : undefined, req.headers.host);
    if (!originOk && !originAsClose) {
      this.refused.origin++;
      this.originLog?.info({ origin, ip: req.socket.remoteAddress, url: req.url });
      return response(403, "Forbidden", '{"code":"forbidden","error":"origin not allowed"}');
    }
    const refusedRate = this.checkRate(req);
    if (refusedRate !== undefined) return refusedRate;
    if (!originOk) {
      this.refused.origin++;
      this.originLog?.info({ origin, ip: req.socket.remoteAddress, url: req.url });
      return ORIGIN_CLOSE;
    }
    return undefined;
  }

  private checkRate(req: IncomingMessage): string | undefined {
    const ip = req.socket.remoteAddress ?? "unknown";
    if (!this.rate.admit(ip)) {
      this.refused.rate++;
      this.rateLog?.info({ ip });
      return response(
        429,
        "Too Many Requests",
        '{"code":"rate_limited","error":"too many new connections from this address"}',
        `Retry-After: ${this.rate.retryAfterSeconds(ip)}\r\n`,
      );
    }
    return undefined;
  }
}

/** `check`'s answer for a refused Origin to be closed with 4504 after the upgrade (`server.originRefusal: close`). */
export const ORIGIN_CLOSE = "origin-close";

function response(status: number, text: string, body: string, extra = ""): string {
  return (
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
  );
}
