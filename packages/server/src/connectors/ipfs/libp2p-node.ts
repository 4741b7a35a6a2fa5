/**
 * The embedded IPFS pubsub peer: a js-libp2p node (TCP, Noise, Yamux) with gossipsub, loaded
 * only when a connector runs in `embedded` mode (libp2p is an optional dependency).
 */

/** js-libp2p uses `Promise.withResolvers`, which Node 20 lacks (it arrived in Node 22). */
function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === "function") return;
  P.withResolvers = <T>() => {
    let resolve!: (v: T | PromiseLike<T>) => void;
    let reject!: (e?: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

/** A message received on a pubsub topic. */
export interface PubsubMessage {
  topic: string;
  data: Uint8Array;
  /** The publishing peer, when the message is signed. */
  from?: string;
}

export interface PubsubPeer {
  readonly peerId: string;
  readonly addresses: string[];
  subscribe(topic: string, onMessage: (m: PubsubMessage) => void): void;
  publish(topic: string, data: Uint8Array): Promise<void>;
  /** Dials a multiaddr; resolves once connected. */
  dial(address: string): Promise<void>;
  /** Peers subscribed to `topic` that this node knows of. */
  topicPeers(topic: string): number;
  connections(): number;
  stop(): Promise<void>;
}

/** Starts a gossipsub peer listening on `listen` (default one ephemeral TCP port on 127.0.0.1). */
export async function startPubsubPeer(listen: string[] = ["/ip4/127.0.0.1/tcp/0"]): Promise<PubsubPeer> {
  polyfillWithResolvers();
  const [{ createLibp2p }, { gossipsub }, { tcp }, { noise }, { yamux }, { identify }, { multiaddr }] =
    await Promise.all([
      import("libp2p"),
      import("@libp2p/gossipsub"),
      import("@libp2p/tcp"),
      import("@chainsafe/libp2p-noise"),
      import("@chainsafe/libp2p-yamux"),
      import("@libp2p/identify"),
      import("@multiformats/multiaddr"),
    ]);
  const node = await createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }) },
  });
  const pubsub = node.services.pubsub;
  const handlers = new Map<string, (m: PubsubMessage) => void>();
  pubsub.addEventListener("message", (e) => {
    const m = e.detail;
    const handler = handlers.get(m.topic);
    if (!handler) return;
    const out: PubsubMessage = { topic: m.topic, data: m.data };
    if (m.type === "signed") out.from = m.from.toString();
    handler(out);
  });
  return {
    peerId: node.peerId.toString(),
    get addresses() {
      return node.getMultiaddrs().map(String);
    },
    subscribe(topic, onMessage) {
      handlers.set(topic, onMessage);
      pubsub.subscribe(topic);
    },
    async publish(topic, data) {
      await pubsub.publish(topic, data);
    },
    async dial(address) {
      await node.dial(multiaddr(address));
    },
    topicPeers(topic) {
      return pubsub.getSubscribers(topic).length;
    },
    connections() {
      return node.getConnections().length;
    },
    async stop() {
      await node.stop();
    },
  };
}
