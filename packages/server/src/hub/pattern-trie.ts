/**
 * A trie of subscription patterns keyed by topic segment. `match` visits every value whose
 * pattern matches a concrete topic, in time proportional to the topic's depth and the number
 * of wildcard branches on its path — never to the number of unrelated patterns.
 */
interface Node<T> {
  children: Map<string, Node<T>>;
  star: Node<T> | undefined;
  /** Values whose pattern ends at this node. */
  here: Set<T> | undefined;
  /** Values whose pattern is this node's path followed by `>`. */
  tail: Set<T> | undefined;
}

function node<T>(): Node<T> {
  return { children: new Map(), star: undefined, here: undefined, tail: undefined };
}

function isEmpty<T>(n: Node<T>): boolean {
  return n.children.size === 0 && n.star === undefined && !n.here?.size && !n.tail?.size;
}

export class PatternTrie<T> {
  private readonly root: Node<T> = node();
  private count = 0;

  /** Number of (pattern, value) entries. */
  get size(): number {
    return this.count;
  }

  /** Adds `value` under `pattern`. Returns false when it was already there. */
  add(pattern: string, value: T): boolean {
    let n = this.root;
    const segs = pattern.split(".");
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i] as string;
      if (s === ">" && i === segs.length - 1) {
        n.tail ??= new Set();
        return this.put(n.tail, value);
      }
      if (s === "*") {
        n.star ??= node();
        n = n.star;
      } else {
        let next = n.children.get(s);
        if (next === undefined) {
          next = node();
          n.children.set(s, next);
        }
        n = next;
      }
    }
    n.here ??= new Set();
    return this.put(n.here, value);
  }

  private put(set: Set<T>, value: T): boolean {
    if (set.has(value)) return false;
    set.add(value);
    this.count++;
    return true;
  }

  /** Removes `value` from `pattern`, pruning empty branches. Returns false when it was not there. */
  remove(pattern: string, value: T): boolean {
    const segs = pattern.split(".");
    const path: Array<[Node<T>, string]> = [];
    let n: Node<T> | undefined = this.root;
    let removed = false;
    for (let i = 0; i < segs.length && n !== undefined; i++) {
      const s = segs[i] as string;
      if (s === ">" && i === segs.length - 1) {
        removed = n.tail?.delete(value) ?? false;
        n = undefined;
        break;
      }
      path.push([n, s]);
      n = s === "*" ? n.star : n.children.get(s);
    }
    if (n !== undefined) removed = n.here?.delete(value) ?? false;
    if (!removed) return false;
    this.count--;
    // prune from the leaf up
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, s] = path[i] as [Node<T>, string];
      const child = s === "*" ? parent.star : parent.children.get(s);
      if (child === undefined || !isEmpty(child)) break;
      if (s === "*") parent.star = undefined;
      else parent.children.delete(s);
    }
    return true;
  }

  /** Calls `visit` once per (pattern, value) entry matching `topic`. */
  match(topic: string, visit: (value: T) => void): void {
    this.walk(this.root, topic.split("."), 0, visit);
  }

  private walk(n: Node<T>, segs: string[], i: number, visit: (value: T) => void): void {
    if (i === segs.length) {
      if (n.here !== undefined) for (const v of n.here) visit(v);
      return;
    }
    if (n.tail !== undefined) for (const v of n.tail) visit(v);
    const exact = n.children.get(segs[i] as string);
    if (exact !== undefined) this.walk(exact, segs, i + 1, visit);
    if (n.star !== undefined) this.walk(n.star, segs, i + 1, visit);
  }
}
