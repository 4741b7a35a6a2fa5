import { presenceSuite } from "../../test/suites/presence.suite.js";
import { MemoryPresence } from "./presence-memory.js";

presenceSuite("memory", async () => {
  const s = new MemoryPresence();
  await s.start();
  return s;
});
