// The phone page's "I am responsible for": the posts with my role and the units I lead, kept on
// the phone (phone-store.js) so that they show without a network too.

import { T, api, el } from "./common.js";
import * as store from "./phone-store.js";

function line(name, role) {
  return el("li", {}, el("strong", {}, name), ` · ${role}`);
}

function render(found) {
  const panel = document.getElementById("responsibilities");
  const lines = found ? [
    ...found.posts.map((post) => line(post.name, T.post_roles[post.role] || post.role)),
    ...found.units.map((unit) => line(unit.name, T.unit_roles[unit.role] || unit.role)),
  ] : [];
  panel.querySelector(".responsibility-list").replaceChildren(...lines);
  panel.hidden = lines.length === 0;
}

/** Show what the person answers for: from the server, else as this phone last saw it. */
export async function showResponsibilities(url, personId) {
  const key = `responsibilities:${personId}`;
  try {
    const found = await api("GET", url);
    await store.put(store.SAVED, { key, found, saved_at: Date.now() });
    render(found);
  } catch {
    const saved = await store.get(store.SAVED, key);
    render(saved ? saved.found : null);
  }
}
