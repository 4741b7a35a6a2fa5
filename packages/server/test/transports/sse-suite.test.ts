// The transport suite over SSE, with the `eventsource` package as the client.
import { transportSuite } from "../suites/transport.suite.js";
import { sseHarness } from "./sse-harness.js";

transportSuite(sseHarness);
