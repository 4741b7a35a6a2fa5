/**
 * A minimal WebSocket client over a bare TCP socket, for the load generator only: the HTTP
 * upgrade, unmasked server frames parsed straight out of the socket's chunks (several frames
 * per read when the server coalesces), masked text frames out (with a zero key: legal, and the
 * payload needs no transform). The `ws` client's stream machinery costs the generator's single
 * core more than the servers it measures; this keeps the clients out of the way.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket, type TcpNetConnectOpts } from "node:net";

export interface RawWsHandlers {
  /** A text or binary message (a view into the read buffer: copy to keep it). */
  message(payload: Buffer): void;
  close(): void;
}

const ZERO_MASK = Buffer.alloc(4);
/**
 * One read buffer for every socket of the process (`onread`): reads are handled synchronously,
 * so sharing is safe as long as a partial frame is copied out before the callback returns.
 * This skips the stream machinery and a buffer allocation per read.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Frames `payload` as one masked client frame. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + 4);
  head[0] = 0x80 | opcode;
  if (ext === 0) head[1] = 0x80 | len;
  else if (ext === 2) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  ZERO_MASK.copy(head, 2 + ext);
  return Buffer.concat([head, payload]);
}

export class RawWs {
  private socket: Socket | undefined;
  private rest: Buffer | undefined;
  private upgraded = false;
  closed = false;

  constructor(private readonly handlers: RawWsHandlers) {}

  /** Connects and upgrades; resolves once the server answered 101. */
  open(url: URL, localAddress: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const opts: TcpNetConnectOpts = {
        host: url.hostname,
        port: Number(url.port),
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, buf: Uint8Array) => {
            this.onRead(n, buf, resolve, reject);
            return true;
          },
        },
      };
      if (localAddress) opts.localAddress = localAddress;
      const socket = connect(opts);
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on("connect", () => {
        const key = randomBytes(16).toString("base64");
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on("error", (err) => {
        if (!this.upgraded) reject(err);
      });
      socket.on("close", () => {
        if (this.closed) return;
        this.closed = true;
        if (!this.upgraded) reject(new Error("connection closed during the upgrade"));
        else this.handlers.close();
      });
    });
  }

  private onRead(n: number, buf: Uint8Array, resolve: () => void, reject: (err: Error) => void): void {
    const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
    if (this.upgraded) {
      this.read(chunk);
      return;
    }
    const all = this.rest ? Buffer.concat([this.rest, chunk]) : Buffer.from(chunk);
    const end = all.indexOf("\r\n\r\n");
    if (end < 0) {
      this.rest = all;
      return;
    }
    this.rest = undefined;
    const status = all.toString("latin1", 0, all.indexOf("\r\n"));
    if (!status.includes(" 101 ")) {
      reject(new Error(`upgrade refused: ${status}`));
      this.socket?.destroy();
      return;
    }
    this.upgraded = true;
    resolve();
    if (end + 4 < all.length) this.read(all.subarray(end + 4));
  }

  private read(chunk: Buffer): void {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let pos = 0;
    while (buf.length - pos >= 2) {
      const b0 = buf[pos] as number;
      let len = (buf[pos + 1] as number) & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - pos < 10) break;
        len = Number(buf.readBigUInt64BE(pos + 2));
        head = 10;
      }
      if (buf.length - pos < head + len) break;
      const payload = buf.subarray(pos + head, pos + head + len);
      pos += head + len;
      const opcode = b0 & 0x0f;
      if (opcode === 1 || opcode === 2 || opcode === 0) this.handlers.message(payload);
      else if (opcode === 9) this.socket?.write(clientFrame(0xa, payload));
      else if (opcode === 8) {
        this.socket?.end(clientFrame(0x8, payload.subarray(0, 2)));
      }
    }
    if (pos < buf.length) {
      buf = buf.subarray(pos);
      // Keep a copy only of the partial frame, not the whole read buffer.
      this.rest = Buffer.from(buf);
    }
  }

  sendText(text: string): void {
    this.socket?.write(clientFrame(0x1, Buffer.from(text)));
  }

  terminate(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
