/**
 * Ports a test owns. A port nobody listens on is one this test reserved and released itself,
 * never a well-known number assumed to be closed (port 9 can be open on some machine).
 */
import { createServer } from "node:net";

/**
 * Binds an ephemeral port on 127.0.0.1, closes it and returns its number: a port that was free
 * a moment ago and that the kernel will not hand out again soon (it cycles through the whole
 * ephemeral range first), for "nothing listens here" tests and for private servers.
 */
export async function reservedClosedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", resolve);
  });
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
