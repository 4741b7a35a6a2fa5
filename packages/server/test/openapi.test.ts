/**
 * The OpenAPI 3.1 document at /api/openapi.json describes every route the gateway registered
 * (a route added without reaching the document fails here), with the publish body's fields.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { registeredRoutes } from "../src/api/openapi.js";
import { publishItemSchema } from "../src/api/publish.js";
import { type Running, startGateway } from "./helpers.js";

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>
  >;
}

describe("OpenAPI document", () => {
  let g: Running;
  let doc: OpenApiDoc;
  before(async () => {
    g = await startGateway({});
    const res = await fetch(`${g.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as OpenApiDoc;
  });
  after(() => g.close());

  it("is OpenAPI 3.1", () => {
    assert.match(doc.openapi, /^3\.1\./);
  });

  it("has every registered route", () => {
    const routes = (registeredRoutes.get(g.gateway.http) ?? []).filter((r) => !r.hidden && r.method !== "HEAD");
    assert.ok(routes.length >= 10, `routes seen: ${routes.length}`);
    const missing = routes.filter((r) => {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      return doc.paths[path]?.[r.method.toLowerCase()] === undefined;
    });
    assert.deepEqual(
      missing.map((r) => `${r.method} ${r.url}`),
      [],
    );
  });

  it("documents the fields of a publish body", () => {
    const schema = doc.paths["/api/publish"]?.post?.requestBody?.content["application/json"]?.schema;
    const fields = Object.keys(schema?.properties ?? {}).sort();
    for (const f of ["data", "event", "id", "sig", "source", "topic"]) assert.ok(fields.includes(f), f);
    assert.deepEqual(fields, Object.keys(publishItemSchema.properties).sort());
  });
});
