/** Types of websocketService.js, for the TypeScript e2e test. */
import type { ManagerOptions, Socket, SocketOptions } from "socket.io-client";

export class WebSocketService {
  socket: Socket | null;
  connect(url?: string, options?: Partial<ManagerOptions & SocketOptions>): Socket;
  disconnect(): void;
  isConnected(): boolean;
  authenticate(userId: string, token?: string | null): void;
  getStatus(): void;
  startKeepAlive(interval?: number): void;
  stopKeepAlive(): void;
  on<T = unknown>(event: string, callback: (data: T) => void): void;
  off<T = unknown>(event: string, callback: (data: T) => void): void;
  trigger(event: string, data: unknown): void;
  getConnectionInfo(): { connected: boolean; id: string | null; authenticated: boolean };
}
declare const websocketService: WebSocketService;
export default websocketService;
