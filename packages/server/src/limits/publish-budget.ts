/**
 * The publish budget of a client IP and of a user, shared by all their connections: the
 * per-connection frame rate (`limits.inboundFramesPerSecond`) starts every new connection with
 * a full burst, so without a budget that outlives connections one address could multiply the
 * documented rate by reconnecting. Spent per client publish frame (native WS, Socket.IO);
 * HTTP publishes are bounded by `limits.httpRequestsPerSecond` per IP.
 */
import { HeraldError } from "@herald/protocol";
import type { PublishBudgetConfig } from "../config-types.js";
import { ConnectionRate } from "./connection-rate.js";

export class PublishBudget {
  private readonly ips: ConnectionRate;
  private readonly users: ConnectionRate;

  constructor(config: PublishBudgetConfig, now: () => number = Date.now) {
    this.ips = new ConnectionRate(config.perIpPerSecond, config.perIpBurst, now);
    this.users = new ConnectionRate(config.perUserPerSecond, config.perUserBurst, now);
  }

  /**
   * Spends one publish from the budget of `user` (authenticated publishers) and of `ip`;
   * throws `rate_limited` with the wait when either is spent (nothing is published then).
   */
  spend(ip: string | undefined, user: string | undefined): void {
    if (user !== undefined && !this.users.admit(user)) {
      throw new HeraldError(
        "rate_limited",
        `publish budget of user "${user}" spent (all connections); retry in ${this.users.retryAfterSeconds(user)} s`,
      );
    }
    if (ip !== undefined && !this.ips.admit(ip)) {
      throw new HeraldError(
        "rate_limited",
        `publish budget of this address spent (all connections); retry in ${this.ips.retryAfterSeconds(ip)} s`,
      );
    }
  }
}
