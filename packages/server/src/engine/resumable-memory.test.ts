import { resumableSuite } from "../../test/suites/resumable.suite.js";
import { MemoryResumable } from "./resumable-memory.js";

resumableSuite("memory", async () => new MemoryResumable());
