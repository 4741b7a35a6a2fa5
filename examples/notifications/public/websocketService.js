// The Community Validator's frontend WebSocket service (plan 003, websocketService.js), on an
// unmodified socket.io-client: connect, authenticate (again after every reconnect), keep-alive
// ping, get_status, 5 reconnection attempts with backoff from 1 s to 5 s. Nothing in it is
// Herald-specific: Herald speaks the events the plan's python-socketio server spoke.
import { io } from "socket.io-client";

export class WebSocketService {
  constructor() {
    this.socket = null;
    this.listeners = new Map();
    this.keepAlive = null;
    this.credentials = null;
  }

  /** Connects to the Socket.IO server at `url` (default: this page's origin). */
  connect(url, options = {}) {
    if (this.socket) return this.socket;
    this.socket = io(url, {
      transports: ["websocket", "polling"],
      reconnection: true,
      reconnectionAttempts: 5,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      ...options,
    });
    this.socket.on("connect", () => {
      this.trigger("connect", { id: this.socket.id });
      if (this.credentials) this.socket.emit("authenticate", this.credentials); // auto-authenticate on reconnect
    });
    this.socket.on("disconnect", (reason) => this.trigger("disconnect", { reason }));
    this.socket.on("connect_error", (error) => this.trigger("connect_error", { message: error.message }));
    this.socket.io.on("reconnect_failed", () => this.trigger("reconnect_failed", {}));
    this.socket.onAny((event, data) => this.trigger(event, data));
    this.startKeepAlive();
    return this.socket;
  }

  disconnect() {
    this.stopKeepAlive();
    this.socket?.disconnect();
    this.socket = null;
  }

  isConnected() {
    return this.socket?.connected === true;
  }

  /** Sends `authenticate {user_id, token}`; `authenticated` or `auth_error` follows. */
  authenticate(userId, token = globalThis.localStorage?.getItem("token")) {
    this.credentials = { user_id: userId, token };
    if (this.isConnected()) this.socket.emit("authenticate", this.credentials);
  }

  getStatus() {
    this.socket?.emit("get_status");
  }

  startKeepAlive(interval = 30000) {
    this.stopKeepAlive();
    this.keepAlive = setInterval(() => {
      if (this.isConnected()) this.socket.emit("ping");
    }, interval);
    this.keepAlive.unref?.();
  }

  stopKeepAlive() {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  on(event, callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(callback);
  }

  off(event, callback) {
    this.listeners.get(event)?.delete(callback);
  }

  trigger(event, data) {
    for (const callback of this.listeners.get(event) ?? []) callback(data);
  }

  getConnectionInfo() {
    return { connected: this.isConnected(), id: this.socket?.id ?? null, authenticated: this.credentials !== null };
  }
}

const websocketService = new WebSocketService();
export default websocketService;
