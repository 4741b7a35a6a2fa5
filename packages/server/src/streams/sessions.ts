/**
 * Streaming analysis sessions (VeritasAI): `start` → `chunk` … → `stop`, each chunk run
 * through the session's processor, progress and partial results published to
 * `{streams.topicPrefix}.{id}` (read only by the owner, see `stream-acl.ts`), the final result
 * published there and put in the owner's inbox. Every session and chunk result is in the
 * compute store before it is announced, so status and results survive a restart and an
 * active session resumes with its running state and inactivity deadline.
 *
 * Events on the session topic: `analysis_progress` (after `start` and each chunk) and
 * `verification_complete` (on stop or expiry); over a typed endpoint they arrive as
 * `{"type":"update","update_type":"analysis_progress", …}`.
 */
import { randomUUID } from "node:crypto";
import { HeraldError } from "@herald/protocol";
import type { StreamsConfig } from "../compute/compute-config.js";
import type { ComputeContext, TimerHandle } from "../compute/context.js";
import type { NotificationInput } from "../store/inbox-store.js";
import { ProcessorRegistry } from "./processor.js";
import { textProcessor } from "./processors/text.js";

export type StreamStatus = "active" | "completed" | "expired";

/** A session as stored and as `status` returns it. */
export interface StreamSession {
  stream_id: string;
  owner: string;
  content_type: string;
  initial_data: unknown;
  status: StreamStatus;
  /** Chunks processed. */
  chunks: number;
  created_at: number;
  updated_at: number;
  /** The processor's running state. */
  state: unknown;
  /** The last chunk's result. */
  partial: unknown;
  /** The final result (once stopped or expired). */
  result: unknown;
  topic: string;
}

/** What a chunk request returns. */
export interface ChunkAnswer {
  stream_id: string;
  chunk_id: string;
  /** True when this chunk id was processed before: nothing changed, its first result is returned. */
  duplicate: boolean;
  result: unknown;
  chunks: number;
}

/** A processed chunk as recorded: its result, and the session's state and count after it. */
interface ChunkRecord {
  result: unknown;
  state: unknown;
  chunks: number;
}

/** Sends a notification to one user's inbox. */
export type NotifyOwner = (user: string, input: NotificationInput) => Promise<unknown>;

export class StreamSessions {
  /** Register processors here (`text` is built in). */
  readonly processors = new ProcessorRegistry();
  private readonly active = new Map<string, StreamSession>();
  private readonly timers = new Map<string, TimerHandle>();
  /** One operation at a time per session: chunks are applied in arrival order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Owners of sessions known to this node (for the ACL; finished ones stay until retention). */
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly config: StreamsConfig,
    private readonly ctx: ComputeContext,
    private readonly notify: NotifyOwner,
  ) {
    this.processors.register(textProcessor);
  }

  /** The sessions active on this node, most recently updated first. */
  list(): StreamSession[] {
    return [...this.active.values()].sort((a, b) => b.updated_at - a.updated_at);
  }

  /** The topic of a session. */
  topicOf(id: string): string {
    return `${this.config.topicPrefix}.${id}`;
  }

  /** The owner of a session, if this node knows it (cheap: used on the delivery path). */
  ownerOf(id: string): string | undefined {
    return this.owners.get(id);
  }

  /**
   * Loads sessions: owners for the ACL, active ones with their inactivity deadline. Also learns
   * the owners of sessions started on other nodes from their events (every event names its
   * session's owner), so the owner may watch from any node.
   */
  async start(): Promise<void> {
    this.ctx.subscribe({
      name: `${this.config.topicPrefix}.>`,
      pattern: true,
      internal: true,
      offer: (out) => {
        const d = out.event.data as { stream_id?: unknown; owner?: unknown } | null;
        if (typeof d?.stream_id === "string" && typeof d.owner === "string") this.owners.set(d.stream_id, d.owner);
      },
    });
    const cutoff = this.ctx.clock.now() - this.config.retentionDays * 86_400_000;
    for (const { id, doc } of await this.ctx.store.list<StreamSession>("stream")) {
      if (doc.status !== "active" && doc.updated_at < cutoff) {
        await this.ctx.store.remove("stream", id);
        await this.ctx.store.removePrefix("stream_chunk", `${id}/`);
        continue;
      }
      this.owners.set(id, doc.owner);
      if (doc.status === "active") {
        await this.catchUp(doc);
        this.active.set(id, doc);
        this.arm(doc);
      }
    }
  }

  /**
   * A crash between recording a chunk and storing the session leaves the chunk recorded but not
   * counted: the chunk record holds the state after it, so the newest one is adopted here.
   */
  private async catchUp(s: StreamSession): Promise<void> {
    let newest: ChunkRecord | undefined;
    for (const { doc } of await this.ctx.store.list<ChunkRecord>("stream_chunk", `${s.stream_id}/`)) {
      if (doc.chunks > (newest?.chunks ?? s.chunks)) newest = doc;
    }
    if (newest === undefined) return;
    s.state = newest.state;
    s.partial = newest.result;
    s.chunks = newest.chunks;
    await this.ctx.store.put("stream", s.stream_id, s);
  }

  private arm(s: StreamSession): void {
    this.timers.get(s.stream_id)?.cancel();
    const left = s.updated_at + this.config.inactivityTimeoutMs - this.ctx.clock.now();
    this.timers.set(
      s.stream_id,
      this.ctx.clock.after(Math.max(1, left), () => {
        void this.serial(s.stream_id, () => this.expire(s.stream_id)).catch((err) =>
          this.ctx.log.warn({ err, stream: s.stream_id }, "session expiry failed"),
        );
      }),
    );
  }

  /** Expires a session unless the store shows activity this node did not see (a chunk on another node). */
  private async expire(id: string): Promise<void> {
    const held = this.active.get(id);
    if (held === undefined) return;
    const stored = await this.ctx.store.get<StreamSession>("stream", id);
    if (stored !== undefined && stored.status !== "active") {
      this.active.delete(id); // finished elsewhere
      return;
    }
    if (stored !== undefined && stored.updated_at > held.updated_at) {
      this.active.set(id, stored);
      this.arm(stored);
      return;
    }
    await this.finish(id, "expired");
  }

  private serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(id) ?? Promise.resolve();
    const next = before.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }

  /** Starts a session for `owner`. */
  async open(owner: string, contentType: string, initialData: unknown): Promise<StreamSession> {
    const processor = this.processors.resolve(contentType);
    let mine = 0;
    for (const s of this.active.values()) if (s.owner === owner) mine++;
    if (mine >= this.config.maxSessionsPerUser) {
      throw new HeraldError(
        "quota_exceeded",
        `at most ${this.config.maxSessionsPerUser} active sessions per user (streams.maxSessionsPerUser)`,
      );
    }
    const id = randomUUID();
    const now = this.ctx.clock.now();
    const session: StreamSession = {
      stream_id: id,
      owner,
      content_type: contentType,
      initial_data: initialData,
      status: "active",
      chunks: 0,
      created_at: now,
      updated_at: now,
      state: processor.init(initialData),
      partial: null,
      result: null,
      topic: this.topicOf(id),
    };
    await this.ctx.store.put("stream", id, session);
    this.owners.set(id, owner);
    this.active.set(id, session);
    this.arm(session);
    this.ctx.announce?.({
      name: "stream_started",
      topic: session.topic,
      user: owner,
      data: { stream_id: id, content_type: contentType },
    });
    await this.publish(session, "analysis_progress", { stream_id: id, status: "active", progress: { chunks: 0 } });
    return session;
  }

  private async session(owner: string, id: string): Promise<StreamSession> {
    const s = this.active.get(id) ?? (await this.ctx.store.get<StreamSession>("stream", id));
    // Another user's session is answered as missing: ids do not leak.
    if (s === undefined || s.owner !== owner) throw new HeraldError("not_found", `no stream "${id}"`);
    return s;
  }

  /** Processes one chunk (idempotent by `chunk_id`). */
  chunk(owner: string, id: string, body: Record<string, unknown>): Promise<ChunkAnswer> {
    return this.serial(id, async () => {
      const s = await this.session(owner, id);
      const chunkId =
        typeof body.chunk_id === "string" || typeof body.chunk_id === "number" ? String(body.chunk_id) : randomUUID();
      const seen = await this.ctx.store.get<{ result: unknown }>("stream_chunk", `${id}/${chunkId}`);
      if (seen !== undefined)
        return { stream_id: id, chunk_id: chunkId, duplicate: true, result: seen.result, chunks: s.chunks };
      if (s.status !== "active") throw new HeraldError("stream_closed", `stream "${id}" is ${s.status}`);
      if (s.chunks >= this.config.maxChunksPerSession) {
        throw new HeraldError(
          "quota_exceeded",
          `at most ${this.config.maxChunksPerSession} chunks per session (streams.maxChunksPerSession)`,
        );
      }
      const size = Buffer.byteLength(JSON.stringify(body));
      if (size > this.config.maxChunkBytes) {
        throw new HeraldError(
          "payload_too_large",
          `a chunk may be at most ${this.config.maxChunkBytes} bytes (streams.maxChunkBytes)`,
        );
      }
      const processor = this.processors.resolve(s.content_type);
      const out = await processor.process(s.state, body);
      // The chunk is recorded first: a retry after a crash is answered from here, never applied twice.
      const record: ChunkRecord = { result: out.result, state: out.state, chunks: s.chunks + 1 };
      if (!(await this.ctx.store.insert("stream_chunk", `${id}/${chunkId}`, record))) {
        const first = await this.ctx.store.get<{ result: unknown }>("stream_chunk", `${id}/${chunkId}`);
        return { stream_id: id, chunk_id: chunkId, duplicate: true, result: first?.result, chunks: s.chunks };
      }
      s.state = out.state;
      s.partial = out.result;
      s.chunks++;
      s.updated_at = this.ctx.clock.now();
      await this.ctx.store.put("stream", id, s);
      this.arm(s);
      const progress: Record<string, unknown> = { chunks: s.chunks };
      if (out.progress !== undefined) progress.fraction = out.progress;
      await this.publish(s, "analysis_progress", {
        stream_id: id,
        status: "active",
        chunk_id: chunkId,
        progress,
        partial: out.result,
      });
      return { stream_id: id, chunk_id: chunkId, duplicate: false, result: out.result, chunks: s.chunks };
    });
  }

  /** Stops a session: final result stored, published and sent to the owner's inbox. */
  stop(owner: string, id: string): Promise<StreamSession> {
    return this.serial(id, async () => {
      const s = await this.session(owner, id);
      if (s.status !== "active") throw new HeraldError("stream_closed", `stream "${id}" is ${s.status}`);
      return this.finish(id, "completed");
    });
  }

  private async finish(id: string, status: "completed" | "expired"): Promise<StreamSession> {
    const s = this.active.get(id);
    if (s === undefined) throw new HeraldError("stream_closed", `stream "${id}" is not active`);
    s.status = status;
    s.result = this.processors.resolve(s.content_type).finish(s.state);
    s.updated_at = this.ctx.clock.now();
    await this.ctx.store.put("stream", id, s);
    this.active.delete(id);
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
    const data = { stream_id: id, status, chunks: s.chunks, result: s.result };
    this.ctx.announce?.({
      name: "stream_finished",
      topic: s.topic,
      user: s.owner,
      data: { stream_id: id, status, chunks: s.chunks },
    });
    await this.publish(s, "verification_complete", data);
    await this.notify(s.owner, {
      title: status === "completed" ? "Analysis complete" : "Analysis stopped after inactivity",
      message: `Stream ${id}: ${s.chunks} chunks analysed`,
      type: "analysis",
      data,
    }).catch((err) => this.ctx.log.warn({ err, stream: id }, "completion notification not stored"));
    return s;
  }

  private async publish(s: StreamSession, event: string, data: Record<string, unknown>): Promise<void> {
    try {
      await this.ctx.publish({ topic: s.topic, event, data: { ...data, owner: s.owner } });
    } catch (err) {
      // Stored already: the status endpoint and the inbox still have it.
      this.ctx.log.warn({ err, stream: s.stream_id, event }, "session update not published");
    }
  }

  /** A session's status for its owner. */
  async status(owner: string, id: string): Promise<StreamSession> {
    return this.session(owner, id);
  }

  /** Stops the timers (sessions stay active in the store and resume on the next start). */
  async close(): Promise<void> {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await Promise.all([...this.queues.values()]);
  }
}
