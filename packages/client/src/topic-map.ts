/**
 * Typed events without per-call generics: a client created with a map from topics or patterns
 * to payload types, `createClient<{ "market.price.*": Price }>(…)`, gives
 * `client.subscribe("market.price.CF1-001")` and `client.subscribe("market.price.*")` a
 * `Subscription<Price>`. Names are matched with the protocol's rules (`*` one segment, `>` one
 * or more trailing segments); a name the map does not cover has `unknown` payloads.
 */

/** Topic or pattern → payload type. */
export type TopicMap = Record<string, unknown>;

/** Dotted name → its segments. */
type Segments<S extends string> = S extends `${infer Head}.${infer Rest}` ? [Head, ...Segments<Rest>] : [S];

/** Whether the key pattern's segments `P` cover the subscribed segments `T`. */
type Covers<P extends string[], T extends string[]> = P extends [">"]
  ? T extends [string, ...string[]]
    ? true
    : false
  : P extends [infer PH extends string, ...infer PR extends string[]]
    ? T extends [infer TH extends string, ...infer TR extends string[]]
      ? PH extends "*"
        ? Covers<PR, TR>
        : PH extends TH
          ? Covers<PR, TR>
          : false
      : false
    : T extends []
      ? true
      : false;

/** Payloads of every key of `M` that covers `Name`, or `never`. */
type Covering<M extends TopicMap, Name extends string> = {
  [K in keyof M & string]: Covers<Segments<K>, Segments<Name>> extends true ? M[K] : never;
}[keyof M & string];

/** The payload type of events on `Name` under the map `M`: the exact key first, then keys that cover it. */
export type PayloadOf<M extends TopicMap, Name extends string> = string extends Name
  ? unknown
  : Name extends keyof M
    ? M[Name]
    : [Covering<M, Name>] extends [never]
      ? unknown
      : Covering<M, Name>;
