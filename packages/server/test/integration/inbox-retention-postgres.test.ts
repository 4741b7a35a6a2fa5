/** Inbox retention and broadcast unread changes on the real Postgres, one schema per case. */
import { randomUUID } from "node:crypto";
import { inboxRetentionCases } from "../durable/inbox-retention.cases.js";
import { dropSchema, PG_URL } from "./pg.js";

const schemas: string[] = [];

inboxRetentionCases(
  "postgres",
  () => {
    const schema = `herald_r_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    schemas.push(schema);
    return { type: "postgres", url: PG_URL, schema };
  },
  async () => {
    for (const s of schemas) await dropSchema(s);
  },
);
