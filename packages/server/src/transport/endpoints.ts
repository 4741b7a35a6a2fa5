/**
 * Configured WebSocket endpoints: paths with parameters whose connections are subscribed
 * automatically, e.g. `/api/v1/ws/analysis/:contentId` → `analysis.{contentId}`. Frames follow
 * the native protocol (the connection may subscribe to more, publish, …); `envelope: "typed"`
 * wraps every outgoing frame as `{type: "success"|"error"|"update", data, timestamp}`.
 *
 * Built on the native endpoint (`WsEndpoint` with a `route`), so auth, limits, heartbeats,
 * metrics and recovery are the same code.
 */
import { HeraldError, isPattern, personalTopic, type ServerFrame, type SubscribeFrame } from "@herald/protocol";
import type { GatewayCore } from "../core.js";
import { eventFrame } from "../engine/broker.js";
import type { OutboundEvent } from "../hub/outbound.js";
import type { Session } from "../session.js";
import { type EndpointConfig, PARAM, PLACEHOLDER, SEGMENT } from "./endpoint-config.js";
import { WsEndpoint, type WsRoute } from "./ws.js";

export type { EndpointConfig };

interface Compiled {
  config: EndpointConfig;
  regex: RegExp;
  params: string[];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compile(config: EndpointConfig): Compiled {
  const params: string[] = [];
  const source = config.path
    .split("/")
    .map((seg) => {
      const m = PARAM.exec(seg);
      if (!m) return escapeRegex(seg);
      params.push(m[1] as string);
      return "([^/]+)";
    })
    .join("/");
  return { config, regex: new RegExp(`^${source}/?$`), params };
}

/** Topic names of a template for one connection; throws when a value cannot be a topic segment. */
export function expandTemplate(template: string, params: Record<string, string>, user: string | undefined): string {
  if (template === "{personal}") {
    if (user === undefined) throw new HeraldError("unauthorized", "this endpoint needs an authenticated user");
    return personalTopic(user);
  }
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    const value = name === "user" ? user : params[name];
    if (value === undefined) throw new HeraldError("unauthorized", "this endpoint needs an authenticated user");
    if (!SEGMENT.test(value)) throw new HeraldError("invalid_topic", `"${value}" cannot be part of a topic name`);
    return value;
  });
}

/** `{type, data, timestamp}`: errors and disconnects are `error`, events `update`, the rest `success`. */
function typedFrame(frame: ServerFrame): string {
  const type =
    frame.type === "error" || frame.type === "disconnect"
      ? "error"
      : frame.type === "event" || frame.type === "join" || frame.type === "leave"
        ? "update"
        : "success";
  return `{"type":"${type}","data":${JSON.stringify(frame)},"timestamp":${Date.now()}}`;
}

/** The typed form of an event, built once per event and shared by every connection. */
function typedEvent(out: OutboundEvent): Buffer {
  // `update_type` is the event's type (e.g. `analysis_progress`), as the verification product's clients switch on it.
  return out.memo("typed", (e, json) =>
    Buffer.from(`{"type":"update","update_type":${JSON.stringify(e.event)},"data":${json},"timestamp":${e.timestamp}}`),
  );
}

/**
 * Event frames with the endpoint's event names (`eventNames`), built once per event and
 * endpoint (memo key `key`) and shared by every connection of that endpoint.
 */
function renamedEvent(key: string, names: Readonly<Record<string, string>>, typed: boolean) {
  const json = (out: OutboundEvent) =>
    out.memo(key, (e, native) =>
      Object.hasOwn(names, e.event) ? eventFrame({ ...e, event: names[e.event] as string }) : native,
    );
  return (out: OutboundEvent): Buffer =>
    out.memo(`${key}:bytes`, (e) =>
      Buffer.from(typed ? `{"type":"update","data":${json(out)},"timestamp":${e.timestamp}}` : json(out)),
    );
}

/** Parses `since=<epoch>:<n>` query values, one per auto-subscription in order (`-` for none). */
function sinceOf(url: URL, index: number, topic: string): SubscribeFrame["since"] | undefined {
  const raw = url.searchParams.getAll("since")[index];
  if (raw === undefined || raw === "" || raw === "-") return undefined;
  const colon = raw.lastIndexOf(":");
  const n = Number(raw.slice(colon + 1));
  if (colon <= 0 || !/^\d+$/.test(raw.slice(colon + 1)) || !Number.isSafeInteger(n)) {
    throw new HeraldError("invalid_position", `"since" must be <epoch>:<seq|offset>, got "${raw.slice(0, 60)}"`);
  }
  const epoch = raw.slice(0, colon);
  return isPattern(topic) ? { epoch, offset: n } : { epoch, seq: n };
}

/**
 * Every configured endpoint, served by `WsEndpoint`s that route by path: one for the endpoints
 * without compression, one for those that offer it (`endpoints[].compression`).
 */
export class ConfiguredEndpoints {
  readonly servers: WsEndpoint[];
  private readonly compiled: Compiled[];

  constructor(core: GatewayCore, endpoints: readonly EndpointConfig[]) {
    this.compiled = endpoints.map(compile);
    this.servers = [new WsEndpoint(core, { path: "", route: (url) => this.route(url, false) })];
    if (endpoints.some((e) => e.compression === true)) {
      const compression = core.config.compression;
      this.servers.push(new WsEndpoint(core, { path: "", route: (url) => this.route(url, true), compression }));
    }
  }

  private route(url: URL, compressed: boolean): WsRoute | undefined {
    for (const [index, c] of this.compiled.entries()) {
      if ((c.config.compression === true) !== compressed) continue;
      const m = c.regex.exec(url.pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        c.params.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1] as string);
        });
      } catch {
        return undefined;
      }
      const typed = c.config.envelope === "typed";
      const route: WsRoute = { onWelcome: (session) => this.autoSubscribe(session, c.config, params, url) };
      if (typed) {
        route.encodeFrame = typedFrame;
        route.encodeEvent = typedEvent;
      }
      const names = c.config.eventNames;
      if (names !== undefined && Object.keys(names).length > 0) {
        route.encodeEvent = renamedEvent(`endpoint:${index}`, names, typed);
      }
      return route;
    }
    return undefined;
  }

  private autoSubscribe(session: Session, config: EndpointConfig, params: Record<string, string>, url: URL): void {
    config.subscribe.forEach((template, i) => {
      const id = `auto:${i}`;
      let frame: SubscribeFrame;
      try {
        const topic = expandTemplate(template, params, session.user);
        frame = { type: "subscribe", id, topic };
        if (config.subscription?.filter !== undefined) frame.filter = config.subscription.filter;
        if (config.subscription?.rate !== undefined) frame.rate = config.subscription.rate;
        const since = sinceOf(url, i, topic);
        if (since !== undefined) frame.since = since;
      } catch (err) {
        const e = err instanceof HeraldError ? err : new HeraldError("internal");
        session.error(e.code, e.message, id);
        return;
      }
      session.handle(frame).catch(() => {});
    });
  }
}
