/** An API error as a view shows it: the gateway's code and message, announced to screen readers. */
import { ApiError } from "../lib/api.js";

export function ApiErrorNote({ error }: { error: Error | undefined }) {
  if (error === undefined) return null;
  return (
    <p className="error" role="alert">
      {error instanceof ApiError ? <code>{error.code}</code> : null} {error.message}
    </p>
  );
}
