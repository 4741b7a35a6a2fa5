/**
 * Routing by the URL fragment (`#/topics`): works under any `dashboard.path` without the
 * gateway knowing the dashboard's routes, and the back button moves between views.
 */
import { useEffect, useState } from "react";

function current(): string {
  const hash = window.location.hash.replace(/^#\/?/, "");
  return hash.split(/[?/]/)[0] ?? "";
}

/** The current view id (the first fragment segment), re-rendering when it changes. */
export function useHashRoute(): string {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** The link to a view. */
export function hrefOf(id: string): string {
  return `#/${id}`;
}
