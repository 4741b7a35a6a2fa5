// Lodestar's front-end, as the plan writes it: a Socket.IO client that sends its
// `subscribe_preferences` and renders each `content_update` as it arrives, without a refresh.
import { io } from "socket.io-client";

const socket = io();
const form = document.getElementById("preferences");
const feed = document.getElementById("feed");
const status = document.getElementById("status");

function preferences() {
  const data = new FormData(form);
  return { categories: data.getAll("categories"), sources: data.getAll("sources"), real_time: data.has("real_time") };
}

function send() {
  socket.emit("subscribe_preferences", preferences(), (answer) => {
    form.dataset.applied = answer.ok ? "true" : "false";
  });
}

socket.on("connect", () => {
  status.textContent = "live";
  status.dataset.on = "true";
  // A recovered session keeps its subscription; a new one needs the preferences again.
  if (!socket.recovered) send();
});
socket.on("disconnect", () => {
  status.textContent = "reconnecting…";
  status.dataset.on = "false";
});
form.addEventListener("change", send);

socket.on("content_update", (item) => {
  const li = document.createElement("li");
  li.dataset.id = item.id;
  li.dataset.category = item.category;
  const title = document.createElement("strong");
  title.textContent = item.title;
  const summary = document.createElement("span");
  summary.textContent = item.summary;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `${item.type} · ${item.category} · ${item.source} · ${new Date(item.timestamp).toLocaleTimeString()}`;
  const hash = document.createElement("code");
  hash.textContent = item.ipfs_hash;
  li.append(title, summary, meta, hash);
  feed.prepend(li);
  while (feed.children.length > 50) feed.lastElementChild.remove();
});
