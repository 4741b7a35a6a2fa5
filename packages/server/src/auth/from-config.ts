/** Builds the user-token authenticator the configuration asks for, if any. */
import type { AuthConfig } from "../config-types.js";
import type { Authenticator } from "./authenticator.js";
import { JwtAuthenticator, type JwtOptions } from "./jwt.js";

/** A JWT authenticator over `auth.jwt` (+ `auth.jwtSecret`), or undefined when no key is configured. */
export function authenticatorFromConfig(auth: AuthConfig): Authenticator | undefined {
  const options: JwtOptions = { ...auth.jwt };
  if (auth.jwtSecret !== undefined) options.secret = auth.jwtSecret;
  return JwtAuthenticator.configured(options) ? new JwtAuthenticator(options) : undefined;
}
