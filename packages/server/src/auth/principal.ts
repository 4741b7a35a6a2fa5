/** Who is on the other end of a connection or request. */
export interface Principal {
  /** User id (`sub` of the token); `""` for anonymous connections. */
  user: string;
  anonymous: boolean;
  /** Verified token claims (empty for anonymous). */
  claims: Readonly<Record<string, unknown>>;
  /** Token expiry, ms since the Unix epoch, when the token has one. */
  expiresAt?: number;
}

export const ANONYMOUS: Principal = Object.freeze({ user: "", anonymous: true, claims: Object.freeze({}) });
