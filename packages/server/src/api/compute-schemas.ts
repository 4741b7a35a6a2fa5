/** JSON schemas shared by the compute routes (aggregations, alerts, streams): error bodies and loose objects. */

/** The error body every route answers with (`api/errors.ts`). */
export const errorBody = {
  type: "object",
  properties: { code: { type: "string" }, error: { type: "string" } },
  additionalProperties: true,
} as const;

/** An object whose fields are described in the docs rather than here (serialised as is). */
export const anyObject = { type: "object", additionalProperties: true } as const;

/** Error answers a route may give. */
export const errors = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  409: errorBody,
  429: errorBody,
};

/** A name or id in a path: letters, digits, `_`, `-`. */
export const nameParam = {
  type: "object",
  required: ["name"],
  properties: { name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;
