/**
 * The packages as a user gets them: `npm pack` each workspace once, install the four tarballs
 * into a scratch project outside the repository, and there run a plain-Node server embedding
 * `@herald/server`, a Node client on `@herald/client/node`, the `herald` bin, the README's
 * embedding example pasted verbatim, and `tsc --noEmit` on consumer files under NodeNext and
 * bundler resolution with `skipLibCheck: false`.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PACKAGES = ["protocol", "client", "react", "server"] as const;
/** Packed too: @herald/server depends on the dashboard's built assets. */
const PACKED = [...PACKAGES, "dashboard"] as const;
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

/** Newest modification time under `dir` (files matching `keep` only). */
function newest(dir: string, keep: (name: string) => boolean): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) t = Math.max(t, newest(p, keep));
    else if (keep(name)) t = Math.max(t, st.mtimeMs);
  }
  return t;
}

/** Builds unless every package's dist/ is newer than its sources (CI builds during `npm install`). */
async function buildIfStale(): Promise<void> {
  const stale = PACKAGES.some((p) => {
    const dist = join(ROOT, "packages", p, "dist");
    if (!existsSync(dist)) return true;
    return newest(join(ROOT, "packages", p, "src"), (n) => /\.tsx?$/.test(n)) > newest(dist, (n) => n.endsWith(".js"));
  });
  if (stale) await exec("npm", ["run", "build"], { cwd: ROOT });
}

/** Runs `node file` in `cwd`; resolves with its output, rejects naming the script on failure. */
async function node(cwd: string, args: string[], env: Record<string, string> = {}) {
  try {
    return await exec(process.execPath, args, {
      cwd,
      // No herald-source condition: the scratch project must run the shipped JavaScript.
      env: { ...process.env, NODE_OPTIONS: "", ...env },
      timeout: 150_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`node ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/** The first line of `child`'s stdout that matches `re`, or a failure naming what was awaited. */
function lineMatching(child: ChildProcess, re: RegExp, what: string, ms = 120_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}; stdout: ${out} stderr: ${err}`)),
      ms,
    );
    child.stderr?.on("data", (d) => (err += d));
    child.stdout?.on("data", (d) => {
      out += d;
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${what}; stdout: ${out} stderr: ${err}`));
    });
  });
}

/** The code block of README.md that follows the heading `heading` and has the language `lang`. */
export function readmeBlock(heading: string, lang: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const m = section.match(new RegExp("```" + lang + "\\n([\\s\\S]*?)```"));
  if (!m?.[1]) throw new Error(`README.md has no ${lang} block under "## ${heading}"`);
  return m[1];
}

// The cases share one install and run side by side: the runner gives a file 180 s in all.
describe("packed tarballs in a scratch project", { timeout: 170_000, concurrency: true }, () => {
  let scratch: string;
  const tarballs: Record<string, string> = {};
  const files: Record<string, string[]> = {};

  before(async () => {
    await buildIfStale();
    scratch = mkdtempSync(join(tmpdir(), "herald-pack-"));
    const out = join(scratch, "tarballs");
    mkdirSync(out);
    const { stdout } = await exec(
      "npm",
      [
        "pack",
        "--json",
        "--ignore-scripts",
        "--pack-destination",
        out,
        ...PACKED.flatMap((p) => ["-w", `packages/${p}`]),
      ],
      { cwd: ROOT },
    );
    for (const t of JSON.parse(stdout) as { name: string; filename: string; files: { path: string }[] }[]) {
      tarballs[t.name] = join(out, t.filename);
      files[t.name] = t.files.map((f) => f.path);
    }
    const app = join(scratch, "app");
    mkdirSync(app);
    const version = (name: string) =>
      (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string })
        .version;
    const dependencies: Record<string, string> = {};
    for (const [name, file] of Object.entries(tarballs)) dependencies[name] = `file:${file}`;
    // What a consumer adds beside Herald: ws (Node 20 has no global WebSocket), React, and
    // the type packages of the platforms they target.
    for (const name of ["ws", "react", "@types/react", "@types/node"]) dependencies[name] = version(name);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module", dependencies }),
    );
    // --ignore-scripts: better-sqlite3 would compile from source here (about 70 s); its binary
    // for this very Node is copied from the repository's install below instead.
    await exec("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: app,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    const binary = join("better-sqlite3", "build", "Release", "better_sqlite3.node");
    assert.equal(
      version("better-sqlite3"),
      JSON.parse(readFileSync(join(app, "node_modules", "better-sqlite3", "package.json"), "utf8")).version,
    );
    mkdirSync(join(app, "node_modules", "better-sqlite3", "build", "Release"), { recursive: true });
    copyFileSync(join(ROOT, "node_modules", binary), join(app, "node_modules", binary));
  });
  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  const app = () => join(scratch, "app");

  it("each tarball has built JavaScript and .d.ts, a LICENSE, and no tests", () => {
    for (const p of PACKAGES) {
      const list = files[`@herald/${p}`] ?? [];
      assert.ok(list.includes("dist/index.js"), `${p}: dist/index.js`);
      assert.ok(list.includes("dist/index.d.ts"), `${p}: dist/index.d.ts`);
      assert.ok(list.includes("LICENSE"), `${p}: LICENSE`);
      assert.deepEqual(
        list.filter((f) => /\.test\.|(^|\/)test\//.test(f)),
        [],
        `${p} ships no tests`,
      );
    }
    const server = JSON.parse(readFileSync(join(ROOT, "packages", "server", "package.json"), "utf8"));
    assert.equal(server.dependencies.tsx, undefined, "tsx is not a runtime dependency");
  });

  it("a plain-Node server embeds @herald/server and a @herald/client/node client receives its event", async () => {
    writeFileSync(
      join(app(), "roundtrip.mjs"),
      `import { createGateway } from "@herald/server";
import { createNodeClient } from "@herald/client/node";
const herald = createGateway({ config: { log: { level: "silent" } } });
const { url } = await herald.listen({ port: 0, host: "127.0.0.1" });
const client = createNodeClient({ url: url.replace("http", "ws") + "/ws" });
const sub = client.subscribe("orders.*");
const got = new Promise((resolve) => sub.on("event", resolve));
const subscribed = new Promise((resolve) => sub.on("subscribed", resolve));
client.connect();
await subscribed;
await herald.publish("orders.42", { status: "shipped" }, { event: "order_update" });
const e = await got;
console.log(JSON.stringify({ topic: e.topic, event: e.event, data: e.data }));
client.close();
await herald.close();
`,
    );
    const { stdout } = await node(app(), ["roundtrip.mjs"]);
    assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop() ?? ""), {
      topic: "orders.42",
      event: "order_update",
      data: { status: "shipped" },
    });
  });

  it("the herald bin runs the built JavaScript", async () => {
    const { stdout } = await node(app(), [
      join(app(), "node_modules", "@herald", "server", "bin", "herald.js"),
      "--version",
    ]);
    const version = JSON.parse(readFileSync(join(ROOT, "packages", "server", "package.json"), "utf8")).version;
    assert.equal(stdout.trim(), version);
  });

  it("the README's embedding example runs verbatim", async () => {
    writeFileSync(join(app(), "server.mjs"), readmeBlock("Embedding in an existing server", "js"));
    const key = "readme-example-key-0123";
    const child = spawn(process.execPath, ["server.mjs"], {
      cwd: app(),
      env: { ...process.env, NODE_OPTIONS: "", PORT: "0", HERALD_KEY: key, HERALD_LOG_LEVEL: "silent" },
    });
    try {
      const [, port] = await lineMatching(
        child,
        /listening on http:\/\/localhost:(\d+)/,
        "the example's listening line",
      );
      const base = `http://127.0.0.1:${port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const refused = await fetch(`${base}/api/publish`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topic: "orders.1", data: 1 }),
      });
      assert.equal(refused.status, 401, "the API needs HERALD_KEY");
      const ok = await fetch(`${base}/api/publish`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify({ topic: "orders.1", data: 1 }),
      });
      assert.equal(ok.status, 200);
      assert.equal(child.exitCode, null, "the example keeps serving");
    } finally {
      child.kill("SIGTERM");
    }
  });

  for (const resolution of ["NodeNext", "bundler"] as const) {
    it(`a consumer type-checks under ${resolution} resolution with skipLibCheck false`, async () => {
      const dir = join(app(), `types-${resolution}`);
      mkdirSync(dir, { recursive: true });
      const browser = resolution === "bundler";
      writeFileSync(
        join(dir, "consumer.ts"),
        `import { createClient, type HeraldEvent } from "@herald/client";
import { topicMatches } from "@herald/protocol";
import { useTopic } from "@herald/react";
${browser ? "" : 'import { createGateway } from "@herald/server";\nimport { createNodeClient } from "@herald/client/node";\nconst g = createGateway({ config: { auth: { apiKeys: ["0123456789abcdef"] } } });\nvoid g.publish("a.b", 1);\nvoid createNodeClient({ url: "ws://x/ws" });'}
const c = createClient({ url: "ws://localhost:8080/ws" });
c.subscribe("a.*").on("event", (e: HeraldEvent) => e.topic);
export const ok: boolean = topicMatches("a.*", "a.b");
export const hook: typeof useTopic = useTopic;
`,
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: browser ? "ESNext" : "NodeNext",
            moduleResolution: resolution,
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            lib: browser ? ["ES2022", "DOM"] : ["ES2022"],
            // A browser app has no Node types: nothing in the client may need them.
            types: browser ? [] : ["node"],
          },
          include: ["consumer.ts"],
        }),
      );
      try {
        await exec(TSC, ["-p", dir], { cwd: dir });
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        assert.fail(`tsc (${resolution}) failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      }
    });
  }
});
