// A person's record in every response they served in, newest first, each score with its parts.

import { T, api, el, fmt, localTime, notifyFailure } from "./common.js";
import { scoreParts } from "./records-score.js";

const page = document.getElementById("page");

async function load() {
  try {
    const answer = await api("GET", page.dataset.history);
    const heads = [...document.querySelectorAll("#history thead th")].map((th) => th.textContent.trim());
    const cell = (value, i) => el("td", { class: "num", "data-label": heads[i] }, String(value));
    document.querySelector("#history tbody").replaceChildren(...answer.items.map((item) => el("tr", {},
      el("td", { "data-label": heads[0] },
        el("a", { href: page.dataset.eventUrl.replace(/0$/, String(item.event_id)) }, item.event_name),
        el("br"), el("small", { class: "hint" }, localTime(item.event_starts_at))),
      ...["shifts", "attended", "late", "left_early", "absent"].map((key, i) => cell(item[key], i + 1)),
      cell(fmt(T.hours, { hours: item.on_duty_hours }), 6),
      ...["spot_check_absences", "rejected_checkins", "commendations", "criticisms"].map((key, i) => cell(item[key], i + 7)),
      el("td", { class: "score", "data-label": heads[11] }, el("strong", {}, String(item.score)), scoreParts(item)))));
    const empty = document.getElementById("empty");
    empty.hidden = answer.items.length > 0;
    empty.textContent = T.empty;
  } catch (failure) {
    notifyFailure(failure);
  }
}

load();
