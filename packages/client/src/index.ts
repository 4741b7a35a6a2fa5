/** Public entry point of @herald/client (browser-safe: no Node-only imports). */

export type { HeraldEvent, StateDelta, StateDocument, StreamPosition, TopicPosition } from "@herald/protocol";
export { applyDelta, CloseCode, isStateDelta, shouldReconnect } from "@herald/protocol";
export { type BackoffOptions, backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export {
  type ClientEvents,
  createClient,
  HeraldClient,
  type HistoryOptions,
  type HistoryResult,
  type PresenceResult,
  type PublishOptions,
  type SubscribeOptions,
} from "./client.js";
export { Emitter, type Listener } from "./emitter.js";
export { type ClientErrorCode, HeraldClientError } from "./errors.js";
export {
  httpUrlOf,
  InboxApi,
  type ListOptions,
  type Notification,
  type NotificationPage,
  type NotificationPriority,
  type UnreadChanged,
} from "./inbox.js";
export type { ClientOptions, TokenProvider, TokenReason, WebSocketConstructor, WebSocketLike } from "./options.js";
export type { PublishAck } from "./publish-queue.js";
export { DEFAULT_PUBLISH_RETRY, type PublishRetryOptions } from "./publisher.js";
export {
  type ConnectionState,
  type ConnectionStatus,
  type DisconnectReason,
  describeReason,
  describeState,
} from "./state.js";
export {
  type PresenceMember,
  type ResetInfo,
  type SubscribeAck,
  Subscription,
  type SubscriptionEvents,
  type SubscriptionStatus,
} from "./subscription.js";
export type { PayloadOf, TopicMap } from "./topic-map.js";
