// The responses page: the list of responses, opening one, and closing one.

import {
  T, api, beijing, busy, canEdit, clearErrors, el, fmt, localTime, notify, notifyFailure,
  showFailure, text,
} from "./common.js";

const PAGE_SIZE = 20;
const page = document.getElementById("page");
const endpoint = page.dataset.api;
const table = document.getElementById("table");
const columns = [...table.querySelectorAll("thead th")].map((th) => ({
  key: th.dataset.col, label: th.textContent.trim(),
}));
const state = { offset: 0 };

function eventUrl(event) {
  return page.dataset.eventUrl.replace(/0$/, String(event.id));
}

async function close(event) {
  if (!window.confirm(fmt(T.confirm_close, { name: event.name }))) return;
  try {
    await api("POST", `${endpoint}/${event.id}/close`);
    notify(fmt(T.closed_ok, { name: event.name }));
    load();
  } catch (failure) {
    if (failure.code === "conflict") notify(T.conflict_message, "error");
    else notifyFailure(failure);
  }
}

const CELLS = {
  name: (event) => el("a", { href: eventUrl(event) }, event.name),
  level: (event) => el("span", { class: `badge level-${event.level}` }, T.levels[event.level] || String(event.level)),
  kind: (event) => T.kinds[event.kind] || event.kind,
  starts_at: (event) => localTime(event.starts_at),
  status: (event) => (event.status === "active"
    ? el("span", { class: "badge ok" }, T.status_active)
    : el("span", { class: "badge muted" }, T.status_closed)),
  actions: (event) => el("div", { class: "row-actions" },
    el("a", { class: "button small", href: eventUrl(event) }, T.open_page),
    canEdit() && event.status === "active"
      ? el("button", { type: "button", class: "small danger", onclick: () => close(event) }, T.close)
      : null),
};

async function load() {
  let answer;
  try {
    answer = await api("GET", `${endpoint}?${new URLSearchParams({ limit: PAGE_SIZE, offset: state.offset })}`);
  } catch (failure) {
    notifyFailure(failure);
    return;
  }
  table.tBodies[0].replaceChildren(...answer.items.map((event) => el("tr", { "data-id": event.id },
    ...columns.map((column) => el("td", { "data-label": column.key === "actions" ? null : column.label },
      CELLS[column.key](event))))));
  const empty = document.getElementById("empty");
  empty.hidden = answer.total > 0;
  empty.textContent = T.empty;
  const pager = document.getElementById("pager");
  pager.hidden = answer.total <= PAGE_SIZE;
  pager.querySelector(".page-info").textContent = fmt(T.page_info, {
    first: state.offset + 1, last: state.offset + answer.items.length, total: answer.total,
  });
  pager.querySelector('[data-page="prev"]').disabled = state.offset === 0;
  pager.querySelector('[data-page="next"]').disabled = state.offset + PAGE_SIZE >= answer.total;
}

document.getElementById("pager").addEventListener("click", (event) => {
  const direction = event.target.dataset.page;
  if (!direction) return;
  state.offset = Math.max(0, state.offset + (direction === "next" ? PAGE_SIZE : -PAGE_SIZE));
  load();
});

const form = document.getElementById("form");
if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {
      name: text(form, "name"),
      kind: form.elements.kind.value,
      level: Number(form.elements.level.value),
      starts_at: beijing(form, "starts_at"),
    };
    busy(form, async () => {
      try {
        const opened = await api("POST", endpoint, body);
        notify(fmt(T.created, { name: opened.name }));
        form.elements.name.value = "";
        state.offset = 0;
        await load();
      } catch (failure) {
        showFailure(form, failure);
      }
    });
  });
}

load();
