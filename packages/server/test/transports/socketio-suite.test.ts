// The transport suite over Socket.IO, with plain `socket.io-client`, on both of its transports.
import { transportSuite } from "../suites/transport.suite.js";
import { socketIoHarness } from "./socketio-harness.js";

transportSuite(socketIoHarness("websocket"));
transportSuite(socketIoHarness("polling"));
