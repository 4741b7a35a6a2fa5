// Keeps docs/protocol.md complete: every client and server frame `type` has its own section
// (`### \`type\``) in the right part of the document, and every field the frame's interface in
// frames.ts declares is named in that section; every field of a request's ack (`AckOf`) is named
// in its request's section. A new frame or field without docs fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CLIENT_FRAME_TYPES, SERVER_FRAME_TYPES } from "./frames.js";

const doc = readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8");
const source = readFileSync(new URL("./frames.ts", import.meta.url), "utf8");
const SERVER_MARK = "// ---- server → client ----";
assert.ok(source.includes(SERVER_MARK), "frames.ts separates client and server frames");
/** frames.ts split by direction (`refresh` is a frame type in both). */
const client = source.slice(0, source.indexOf(SERVER_MARK));
const server = `${client.slice(0, client.indexOf("// ---- client → server ----"))}${source.slice(source.indexOf(SERVER_MARK))}`;

/** The `###` sections of one `##` part, keyed by every backticked name in their heading (joined when several). */
function sections(part: string): Map<string, string> {
  const start = doc.indexOf(`\n## ${part}\n`);
  assert.ok(start >= 0, `docs/protocol.md has no "## ${part}" part`);
  const end = doc.indexOf("\n## ", start + 1);
  const body = doc.slice(start, end < 0 ? undefined : end);
  const out = new Map<string, string>();
  for (const chunk of body.split(/\n(?=### )/).slice(1)) {
    const heading = chunk.slice(0, chunk.indexOf("\n"));
    // A frame may have several sections (`subscribe`, then "Recovery: `subscribe` with `since`").
    for (const m of heading.matchAll(/`([a-z_]+)`/g))
      out.set(m[1] as string, `${out.get(m[1] as string) ?? ""}${chunk}`);
  }
  return out;
}

/** Top-level fields of each frame interface in one part of frames.ts, by frame type (inherited envelope fields included). */
function fieldsByType(part: string): Map<string, Set<string>> {
  const interfaces = new Map<string, string>();
  for (const m of part.matchAll(
    /export interface (\w+)(?:<[^>]*>)?(?: extends (\w+)(?:<[^>]*>)?)? \{\n([\s\S]*?)\n\}/g,
  )) {
    interfaces.set(m[1] as string, `${m[2] ? (interfaces.get(m[2]) ?? "") : ""}\n${m[3]}`);
  }
  const out = new Map<string, Set<string>>();
  for (const body of interfaces.values()) {
    const type = /^ {2}type: ((?:"[a-z_]+"(?: \| )?)+);/m.exec(body);
    if (type === null) continue;
    const fields = new Set([...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1] as string));
    for (const t of (type[1] as string).matchAll(/"([a-z_]+)"/g)) {
      const set = out.get(t[1] as string) ?? new Set<string>();
      for (const f of fields) set.add(f);
      out.set(t[1] as string, set);
    }
  }
  return out;
}

// `type` is the frame's tag and `id` the request id, documented once under "Requests and answers".
const COMMON = new Set(["type", "id"]);

function check(part: string, types: readonly string[], direction: "client" | "server"): void {
  const found = sections(part);
  const fields = fieldsByType(direction === "client" ? client : server);
  const missing: string[] = [];
  for (const type of types) {
    const text = found.get(type);
    if (text === undefined) {
      missing.push(`${direction} frame "${type}" has no "### \`${type}\`" section under "## ${part}"`);
      continue;
    }
    const declared = fields.get(type);
    assert.ok(declared !== undefined, `frames.ts declares no interface for "${type}"`);
    for (const f of declared) {
      if (!COMMON.has(f) && !text.includes(`\`${f}\``)) missing.push(`${direction} "${type}" field \`${f}\``);
    }
  }
  assert.deepEqual(missing, [], `docs/protocol.md is missing:\n  ${missing.join("\n  ")}`);
}

test("the frame type lists name every frame", () => {
  assert.deepEqual([...fieldsByType(client).keys()].sort(), [...CLIENT_FRAME_TYPES].sort());
  assert.deepEqual([...fieldsByType(server).keys()].sort(), [...SERVER_FRAME_TYPES].sort());
});

test("docs/protocol.md documents every client frame and its fields", () => {
  check("Requests and answers", CLIENT_FRAME_TYPES, "client");
  assert.match(doc, /Every client frame may carry an `id`/);
});

test("docs/protocol.md documents every server frame and its fields", () => {
  check("Server frames", SERVER_FRAME_TYPES, "server");
});

test("docs/protocol.md documents every ack field with its request", () => {
  const answers = source.slice(source.indexOf("// ---- answers ----"));
  const ackOf = /export interface AckOf \{\n([\s\S]*?)\n\}/.exec(answers);
  assert.ok(ackOf !== null, "frames.ts declares AckOf");
  const bodies = new Map<string, string>();
  for (const m of answers.matchAll(/export interface (\w+)(?:<[^>]*>)? \{\n([\s\S]*?)\n\}/g))
    bodies.set(m[1] as string, m[2] as string);
  const requests = sections("Requests and answers");
  const missing: string[] = [];
  const listed = [...(ackOf[1] as string).matchAll(/^ {2}(\w+): (\w+);/gm)];
  assert.deepEqual(listed.map((m) => m[1]).sort(), CLIENT_FRAME_TYPES.filter((t) => t !== "ping").sort());
  for (const [, type, name] of listed) {
    const body = bodies.get(name as string);
    assert.ok(body !== undefined, `frames.ts declares no interface ${name}`);
    const text = requests.get(type as string) ?? "";
    for (const f of body.matchAll(/^ {2}(\w+)\??:/gm))
      if (!text.includes(`\`${f[1]}\``)) missing.push(`the ack of "${type}": field \`${f[1]}\``);
  }
  assert.deepEqual(missing, [], `docs/protocol.md is missing:\n  ${missing.join("\n  ")}`);
});
