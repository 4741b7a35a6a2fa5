import { brokerSuite } from "../../test/suites/broker.suite.js";
import { Namespaces } from "../hub/namespaces.js";
import { MemoryBroker } from "./broker-memory.js";

brokerSuite("memory", async (config) => {
  const b = new MemoryBroker({
    namespaces: new Namespaces(config.namespaces),
    recovery: config.recovery,
    idempotency: config.idempotency,
  });
  await b.start();
  return b;
});
