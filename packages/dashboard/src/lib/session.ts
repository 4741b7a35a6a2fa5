/**
 * The signed-in token, kept in `sessionStorage` (gone when the tab closes; never in a cookie,
 * so no other site can send it). The API key is never asked for: the dashboard speaks to the
 * gateway as a user, like any client.
 */
const KEY = "herald.dashboard.token";

export function storedToken(): string | undefined {
  try {
    return window.sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: sign in again on reload
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) window.sessionStorage.removeItem(KEY);
    else window.sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}
