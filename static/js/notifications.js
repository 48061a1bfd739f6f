// The notification outbox page: failed (the default tab), waiting and sent notifications with
// their attempts and last error, and "send again" for a failed one.

import { T, api, describe, el, fmt, localTime, notify, notifyFailure } from "./common.js";

const PAGE_SIZE = 50;
const page = document.getElementById("page");
const table = document.getElementById("table");
const tabs = [...document.querySelectorAll('[role="tab"][data-status]')];
const columns = [...table.querySelectorAll("thead th")].map((th) => ({
  key: th.dataset.col, label: th.textContent.trim(),
}));
const state = { status: tabs[0].dataset.status, offset: 0, request: 0 };

function when(item) {
  if (item.sent_at) return fmt(T.sent_at, { time: localTime(item.sent_at) });
  if (item.status === "pending" || item.status === "sending") {
    return fmt(T.next_attempt, { time: localTime(item.next_attempt_at) });
  }
  return "";
}

const cells = {
  created_at: (item) => localTime(item.created_at),
  channel: (item) => T.channels[item.channel] || item.channel,
  to: (item) => el("span", { class: "who-line" }, item.name, el("br"), el("span", { class: "hint" }, item.phone)),
  cause: (item) => T.causes[item.cause] || item.cause,
  text: (item) => el("span", { class: "notification-text" }, item.text),
  attempts: (item) => String(item.attempts),
  last_error: (item) => (item.last_error ? el("span", { class: "error" }, item.last_error) : ""),
  when,
  actions: (item) => (item.status === "failed"
    ? el("div", { class: "row-actions" }, el("button", { type: "button", class: "small primary",
      onclick: (event) => resend(item, event.currentTarget) }, T.resend))
    : ""),
};

function row(item) {
  const tr = el("tr", { "data-id": item.id, class: `status-${item.status}` });
  for (const column of columns) {
    tr.append(el("td", { class: `col-${column.key}`,
      "data-label": column.key === "actions" ? null : column.label }, cells[column.key](item)));
  }
  return tr;
}

async function countAll() {
  await Promise.all(tabs.map(async (tab) => {
    const status = tab.dataset.status;
    try {
      const answer = await api("GET", `${page.dataset.api}?status=${status}&limit=1`);
      tab.querySelector(".tab-count").textContent = String(answer.total);
    } catch {
      tab.querySelector(".tab-count").textContent = "";
    }
  }));
}

async function load() {
  const ticket = ++state.request;
  const query = new URLSearchParams({ status: state.status, limit: PAGE_SIZE, offset: state.offset });
  table.setAttribute("aria-busy", "true");
  let answer;
  try {
    answer = await api("GET", `${page.dataset.api}?${query}`);
  } catch (failure) {
    if (ticket === state.request) notifyFailure(failure);
    return;
  } finally {
    if (ticket === state.request) table.removeAttribute("aria-busy");
  }
  if (ticket !== state.request) return; // another tab was chosen meanwhile
  if (answer.items.length === 0 && state.offset > 0) {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    return load();
  }
  table.tBodies[0].replaceChildren(...answer.items.map(row));
  const empty = document.getElementById("empty");
  empty.hidden = answer.total > 0;
  empty.textContent = T[`empty_${state.status}`] || T.empty;
  const pager = document.getElementById("pager");
  pager.hidden = answer.total <= PAGE_SIZE;
  pager.querySelector(".page-info").textContent = fmt(T.page_info, {
    first: state.offset + 1, last: state.offset + answer.items.length, total: answer.total,
  });
  pager.querySelector('[data-page="prev"]').disabled = state.offset === 0;
  pager.querySelector('[data-page="next"]').disabled = state.offset + PAGE_SIZE >= answer.total;
  page.dataset.ready = "true";
}

async function resend(item, button) {
  button.disabled = true;
  try {
    await api("POST", page.dataset.resendApi.replace("/0/", `/${item.id}/`));
  } catch (failure) {
    button.disabled = false;
    notify(failure.code === "conflict" ? T.conflict_message : describe(failure), "error");
    return;
  }
  notify(fmt(T.resent, { name: item.name }));
  await Promise.all([load(), countAll()]);
}

function choose(tab) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
  }
  document.getElementById("notifications").setAttribute("aria-labelledby", tab.id);
  state.status = tab.dataset.status;
  state.offset = 0;
  load();
}

for (const tab of tabs) tab.addEventListener("click", () => choose(tab));
for (const button of document.querySelectorAll("#pager [data-page]")) {
  button.addEventListener("click", () => {
    state.offset = Math.max(0, state.offset + (button.dataset.page === "next" ? PAGE_SIZE : -PAGE_SIZE));
    load();
  });
}

load();
countAll();
