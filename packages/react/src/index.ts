/** Public entry point of @herald/react. */
export { cachedClients, optionsKey } from "./client-cache.js";
export { HeraldProvider, type HeraldProviderProps, useHeraldClient } from "./context.js";
export { useConnected, useConnection, useTerminalError } from "./use-connection.js";
export { type InboxState, type UseInboxOptions, useInbox } from "./use-inbox.js";
export { type PresenceState, type UsePresenceOptions, usePresence } from "./use-presence.js";
export { type QueryStateOptions, useQueryState } from "./use-query-state.js";
export {
  type QueryCacheLike,
  type QueryKey,
  type QuerySyncOptions,
  type QueryUpdate,
  useQuerySync,
} from "./use-query-sync.js";
export { type RealTimeStream, type StreamSubscription, useRealTimeStream } from "./use-realtime-stream.js";
export { useStateTopic } from "./use-state-topic.js";
export { type SubscriptionHandlers, useSubscription } from "./use-subscription.js";
export { type TopicState, type UseTopicOptions, useTopic } from "./use-topic.js";
