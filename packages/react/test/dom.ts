/**
 * A real DOM (happy-dom) installed as globals before React loads, like
 * @happy-dom/global-registrator does: every window property Node lacks becomes a global.
 */
import { Window } from "happy-dom";

const window = new Window({ url: "http://localhost/" });
const g = globalThis as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(window)) {
  if (key in g || key === "undefined") continue;
  try {
    g[key] = (window as unknown as Record<string, unknown>)[key];
  } catch {
    // a few getters throw outside a browsing context; React does not need them
  }
}
g.window = window;
g.document = window.document;
g.IS_REACT_ACT_ENVIRONMENT = true;

export async function closeDom(): Promise<void> {
  await window.happyDOM.close();
}
