/**
 * Public entry point of @herald/react. `usePresence` and `useInbox` will join these when the
 * server's presence and inbox features land; they build on `useSubscription`.
 */
export { cachedClients, optionsKey } from "./client-cache.js";
export { HeraldProvider, type HeraldProviderProps, useHeraldClient } from "./context.js";
export { useConnected, useConnection, useTerminalError } from "./use-connection.js";
export { type RealTimeStream, type StreamSubscription, useRealTimeStream } from "./use-realtime-stream.js";
export { type SubscriptionHandlers, useSubscription } from "./use-subscription.js";
export { type TopicState, type UseTopicOptions, useTopic } from "./use-topic.js";
