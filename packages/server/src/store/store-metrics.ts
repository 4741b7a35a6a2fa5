/**
 * Latency of store operations: `herald_store_operation_seconds{operation, outcome}`, observed by
 * the store guard (`lazy-store.ts`) around every call, so every store (SQLite, Postgres) and
 * every user (durable history, state topics, the inbox) is measured in one place. Built before
 * the gateway's registry exists; the gateway registers it.
 */
import { Histogram } from "prom-client";

export const storeOperationSeconds = () =>
  new Histogram<"operation" | "outcome">({
    name: "herald_store_operation_seconds",
    help: "Store operations (append, events, addNotifications, …) by outcome (ok, error), with their duration",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [],
  });
