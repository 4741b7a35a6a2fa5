import { lifecycleLogSuite } from "../../test/suites/lifecycle-log.suite.js";
import { MemoryLifecycleLog } from "./lifecycle-log-memory.js";

lifecycleLogSuite("memory", {
  nodes: false,
  fresh: async () => {},
  make: async (_node, maxQueue = 1000) => new MemoryLifecycleLog(maxQueue),
});
