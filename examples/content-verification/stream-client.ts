/**
 * The plan's Python streaming client, in TypeScript: start a session, post text chunks, stop,
 * read the status — plain HTTP with the user's bearer token, nothing Herald-specific.
 */

/** A session as the gateway answers it (the fields this client reads). */
export interface StreamSession {
  stream_id: string;
  status: "active" | "completed" | "expired";
  chunks: number;
  result: unknown;
}

/** Talks to `/api/v1/stream/*` as one user. */
export class VeritasStreamClient {
  /** @param baseUrl e.g. `http://localhost:8000` @param token the user's JWT */
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/api/v1/stream/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.code}: ${json.message}`);
    return json;
  }

  /** `POST /api/v1/stream/start`. */
  start(contentType: string, initialData: Record<string, unknown>, userId: string | number): Promise<StreamSession> {
    return this.call("POST", "start", { content_type: contentType, initial_data: initialData, user_id: userId });
  }

  /** `POST /api/v1/stream/chunk/{id}`: idempotent by `chunk_id`. */
  chunk(streamId: string, chunk: { text: string; chunk_id: string }): Promise<{ duplicate: boolean; chunks: number }> {
    return this.call("POST", `chunk/${encodeURIComponent(streamId)}`, chunk);
  }

  /** `POST /api/v1/stream/stop/{id}`: the final result. */
  stop(streamId: string): Promise<StreamSession> {
    return this.call("POST", `stop/${encodeURIComponent(streamId)}`, {});
  }

  /** `GET /api/v1/stream/status/{id}`. */
  status(streamId: string): Promise<StreamSession> {
    return this.call("GET", `status/${encodeURIComponent(streamId)}`);
  }
}

/**
 * The Python example's flow: start a `text_stream` from `live_feed`, send each text as
 * `chunk_<i>`, stop. `beforeChunks` runs once the session exists (e.g. to open a watcher).
 */
export async function streamText(
  client: VeritasStreamClient,
  userId: string | number,
  texts: string[],
  beforeChunks: (streamId: string) => Promise<void> = async () => {},
): Promise<StreamSession> {
  const { stream_id } = await client.start("text_stream", { source: "live_feed" }, userId);
  await beforeChunks(stream_id);
  for (const [i, text] of texts.entries()) await client.chunk(stream_id, { text, chunk_id: `chunk_${i}` });
  return client.stop(stream_id);
}
