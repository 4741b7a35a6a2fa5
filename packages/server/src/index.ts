/** Public entry point of @herald/server. */
export type { Acl } from "./auth/acl.js";
export { NamespaceAcl, ownsTopic } from "./auth/acl.js";
export type { Authenticator } from "./auth/authenticator.js";
export { JwtAuthenticator, mintToken } from "./auth/jwt.js";
export type { Principal } from "./auth/principal.js";
export {
  ConfigError,
  DEFAULTS,
  type HeraldConfig,
  type HeraldConfigInput,
  loadConfig,
  type NamespaceConfig,
  resolveConfig,
} from "./config.js";
export type { Broker, PublishOutcome, PublishRequest } from "./engine/broker.js";
export { MemoryBroker } from "./engine/broker-memory.js";
export { createGateway, Gateway, type GatewayOptions } from "./gateway.js";
export { VERSION } from "./version.js";
