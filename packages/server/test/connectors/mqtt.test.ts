import mqtt from "mqtt";
import { connectorSuite } from "../suites/connector.suite.js";

const URL = process.env.HERALD_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";
let client: mqtt.MqttClient;

connectorSuite("mqtt", {
  durable: true,
  // mqtt.js sends a PUBACK before it hands over the next message: one offer at a time.
  concurrent: false,
  options: (id) => ({ url: URL, topics: [`herald-test/${id}/#`], clientId: `herald-test-${id}` }),
  async setup() {
    client = await mqtt.connectAsync(URL, { protocolVersion: 5 });
  },
  async produce(id, messages) {
    for (const m of messages) await client.publishAsync(`herald-test/${id}/${m.key}`, JSON.stringify(m), { qos: 1 });
  },
  async teardown() {
    await client.endAsync();
  },
});
