import { clusterSuite } from "../../test/suites/cluster.suite.js";
import { LocalCluster } from "./cluster-local.js";

clusterSuite("local", { make: async () => new LocalCluster(), staleMs: 5000 });
