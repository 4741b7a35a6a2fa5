/** The navigation: one link per visible route; the Inbox link carries the unread badge. */
import { badgeText } from "../lib/format.js";
import { hrefOf } from "../lib/hash-route.js";
import type { Route } from "../routes.js";
import { useSharedInbox } from "./inbox-context.js";

export function Nav({ routes, active }: { routes: Route[]; active: string | undefined }) {
  const inbox = useSharedInbox();
  const badge = badgeText(inbox?.unread ?? 0);
  return (
    <nav aria-label="Views">
      <ul>
        {routes.map((r) => (
          <li key={r.id}>
            <a href={hrefOf(r.id)} aria-current={r.id === active ? "page" : undefined}>
              {r.title}
              {r.id === "inbox" && badge !== "" ? (
                <span className="badge" data-testid="unread-badge">
                  {badge}
                  <span className="visually-hidden"> unread</span>
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
