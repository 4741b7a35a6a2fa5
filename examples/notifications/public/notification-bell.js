// The NotificationBell (plan 003): unread badge, the 5 most recent notifications, click to
// mark read, "Mark all read", priority borders, type icons, relative times; live through the
// WebSocket service, the list and counts from Herald's inbox routes.
import { badgeText, relativeTime } from "./relative-time.js";
import websocketService from "./websocketService.js";

const ICONS = { validation_received: "✅", consensus_reached: "🤝", badge_earned: "🏅", trust_score_update: "📈" };
const token = localStorage.getItem("token");
const headers = { authorization: `Bearer ${token}` };
let notifications = [];
let unread = 0;

const $ = (id) => document.getElementById(id);

function render() {
  $("badge").textContent = badgeText(unread);
  $("badge").hidden = unread === 0;
  const list = $("list");
  list.replaceChildren();
  for (const n of notifications.slice(0, 5)) {
    const li = document.createElement("li");
    li.className = `priority-${n.priority}${n.read ? "" : " unread"}`;
    li.dataset.id = n.id;
    li.innerHTML = `<span class="icon"></span><b></b><span class="message"></span><time></time>`;
    li.querySelector(".icon").textContent = ICONS[n.type] ?? "🔔";
    li.querySelector("b").textContent = n.title;
    li.querySelector(".message").textContent = n.message;
    li.querySelector("time").textContent = relativeTime(n.createdAt);
    li.onclick = () => markRead(n);
    list.append(li);
  }
}

async function load() {
  const res = await fetch("/api/me/notifications?limit=5", { headers });
  const body = await res.json();
  notifications = body.notifications;
  unread = body.unread;
  render();
}

async function markRead(n) {
  if (n.read) return;
  const res = await fetch(`/api/me/notifications/${encodeURIComponent(n.id)}/read`, { method: "POST", headers });
  unread = (await res.json()).unread;
  n.read = true;
  render();
  if (n.actionUrl) history.pushState({}, "", `#${n.actionUrl}`);
}

$("mark-all").onclick = async () => {
  await fetch("/api/me/notifications/read-all", { method: "POST", headers });
  unread = 0;
  for (const n of notifications) n.read = true;
  render();
};

websocketService.on("new_notification", (n) => {
  notifications = [n, ...notifications.filter((m) => m.id !== n.id)].slice(0, 5);
  if (!n.read) unread += 1;
  render();
});
// Herald sends the authoritative count after every change; it corrects any drift.
websocketService.on("unread_count", ({ unread: count }) => {
  unread = count;
  render();
});
websocketService.on("authenticated", () => {
  $("status").dataset.on = "true";
  load();
});
websocketService.on("disconnect", () => {
  $("status").dataset.on = "false";
});
websocketService.on("validation_count_update", ({ claim_id, count }) => {
  $(`count-${claim_id}`).textContent = String(count);
});
websocketService.on("consensus_update", ({ claim_id, vouch, dispute, unsure }) => {
  $(`consensus-${claim_id}`).textContent = `vouch ${vouch}% · dispute ${dispute}% · unsure ${unsure}%`;
});
// Auto-connect when a token and a user are in localStorage, as the plan's service does.
if (token && localStorage.getItem("userId")) {
  websocketService.connect(location.origin);
  websocketService.authenticate(localStorage.getItem("userId"), token);
}
setInterval(render, 30000); // relative times move on
