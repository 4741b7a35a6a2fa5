/** Maps every error a route can raise to the JSON error body `{code, error}` with its status. */
import { type ErrorCode, HeraldError, isErrorCode } from "@herald/protocol";
import type { FastifyError, FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_EMPTY_JSON_BODY: "bad_request",
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_VALIDATION: "bad_request",
  FST_ERR_NOT_FOUND: "not_found",
};

export function toErrorBody(err: unknown): { status: number; code: ErrorCode; error: string } {
  if (err instanceof HeraldError) return { status: err.status, code: err.code, error: err.message };
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (fe.validation !== undefined) return { status: 400, code: "bad_request", error: validationMessage(fe) };
  const mapped = fe.code !== undefined ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped !== undefined) {
    const status =
      mapped === "payload_too_large"
        ? 413
        : mapped === "not_found"
          ? 404
          : mapped === "unsupported_media_type"
            ? 415
            : 400;
    return { status, code: mapped, error: fe.message ?? mapped };
  }
  if (fe.statusCode === 429) return { status: 429, code: "rate_limited", error: fe.message ?? "rate limited" };
  if (isErrorCode(fe.code)) return { status: fe.statusCode ?? 500, code: fe.code, error: fe.message ?? fe.code };
  return { status: 500, code: "internal", error: "internal error" };
}

/**
 * Ajv's message, made to name what it is about: "body must NOT have additional properties"
 * says nothing of which one, "enum" nothing of what is allowed.
 */
function validationMessage(fe: { message?: string; validation?: unknown; validationContext?: string }): string {
  const first = Array.isArray(fe.validation) ? (fe.validation[0] as AjvIssue | undefined) : undefined;
  if (first === undefined) return fe.message ?? "invalid request";
  const where = `${fe.validationContext ?? "body"}${first.instancePath ?? ""}`;
  if (first.keyword === "additionalProperties" && typeof first.params?.additionalProperty === "string") {
    return `${where} has an unknown field "${first.params.additionalProperty}"`;
  }
  if (first.keyword === "enum" && Array.isArray(first.params?.allowedValues)) {
    return `${where} must be one of ${first.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return fe.message ?? "invalid request";
}

interface AjvIssue {
  keyword?: string;
  instancePath?: string;
  params?: { additionalProperty?: unknown; allowedValues?: unknown[] };
}

export function registerErrorHandling(app: FastifyInstance, core: GatewayCore): void {
  app.setErrorHandler((err, req, reply) => {
    const body = toErrorBody(err);
    if (body.code === "internal") req.log.error({ err }, "request failed");
    core.metrics.errors.inc({ code: body.code });
    reply.status(body.status).send({ code: body.code, error: body.error });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ code: "not_found", error: `no route ${req.method} ${req.url.split("?")[0]}` });
  });
}
