/**
 * Which store failures are outages: the store cannot be reached or cannot take a write now
 * (Postgres stopped or restarting, connection lost, query timed out; SQLite locked by another
 * process, disk full or failing). They are answered `unavailable` (503, nothing was accepted,
 * retry), never `internal`; anything else is a bug and stays `internal`.
 */
import { HeraldError } from "@herald/protocol";

/** Node socket errors of a lost or refused connection. */
const NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EAI_AGAIN",
]);

/** Postgres SQLSTATEs of an outage: connection exceptions (08…), insufficient resources (53…), shutdown (57P0x), read-only. */
function pgOutage(code: string): boolean {
  return code.startsWith("08") || code.startsWith("53") || /^57P0[1-3]$/.test(code) || code === "25006";
}

/** SQLite result codes (extended ones start with the primary name) of a locked or failing database. */
const SQLITE_OUTAGE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL)/;

/** Messages of `pg` errors that carry no code: the connection ended or a timeout fired. */
const PG_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended/i;

/** True when `err` means the store is unreachable or cannot commit now. */
export function isStoreOutage(err: unknown): boolean {
  if (err instanceof HeraldError) return err.code === "unavailable";
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (NET_CODES.has(code) || SQLITE_OUTAGE.test(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && pgOutage(code)) return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isStoreOutage);
  return PG_MESSAGES.test(String((err as { message?: unknown }).message ?? ""));
}

/** `err` as the error a caller sees: `unavailable` for an outage, unchanged otherwise. */
export function storeError(err: unknown): unknown {
  if (err instanceof HeraldError || !isStoreOutage(err)) return err;
  return new HeraldError("unavailable", "the store is unavailable; nothing was accepted, retry", { cause: err });
}
