/**
 * Reading benchmark events off the wire without JSON.parse: the payload's fields come in a
 * fixed order (`{"k":…,"n":…,"t":…,"p":…}`), so the load generator's clients spend their
 * core on receiving, not on parsing, and saturate later than the servers they measure.
 */

const K = Buffer.from('"k":');

export interface Sample {
  k: number;
  n: number;
  t: number;
}

/** Reads a non-negative decimal number (digits and one optional dot) at `pos`. */
function readNumber(buf: Buffer, pos: number, out: { end: number }): number {
  let v = 0;
  let i = pos;
  for (; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  if (buf[i] === 46) {
    let scale = 0.1;
    for (i++; i < buf.length; i++) {
      const c = buf[i] as number;
      if (c < 48 || c > 57) break;
      v += (c - 48) * scale;
      scale /= 10;
    }
  }
  out.end = i;
  return v;
}

const cursor = { end: 0 };

/** The benchmark payload in a frame, or undefined when the frame carries none (a control frame). */
export function readSample(buf: Buffer, into: Sample): Sample | undefined {
  const at = buf.indexOf(K);
  if (at < 0) return undefined;
  into.k = readNumber(buf, at + 4, cursor);
  // ,"n":
  into.n = readNumber(buf, cursor.end + 5, cursor);
  // ,"t":
  into.t = readNumber(buf, cursor.end + 5, cursor);
  return into;
}
