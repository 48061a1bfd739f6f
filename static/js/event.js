// One response's page: its posts and shifts, adding a shift, and who is assigned to each shift.

import {
  T, api, beijing, busy, canEdit, clearErrors, debounce, describe, el, fmt, list, notify,
  notifyFailure, showFailure, timeRange,
} from "./common.js";

const page = document.getElementById("page");
const urls = page.dataset;
const editable = canEdit();
const container = document.getElementById("shifts");
const state = { shifts: [], people: new Map() }; // people: shift id -> its assignments

/** Every item of a list endpoint, page by page. */
async function everything(url) {
  const items = [];
  for (;;) {
    const query = new URLSearchParams({ limit: 500, offset: items.length });
    const answer = await api("GET", `${url}${url.includes("?") ? "&" : "?"}${query}`);
    items.push(...answer.items);
    if (answer.items.length === 0 || items.length >= answer.total) return items;
  }
}

function countBadge(shift, assigned) {
  const missing = shift.required - assigned;
  const words = fmt(T.assigned_of, { assigned, required: shift.required });
  const staffing = missing > 0 ? fmt(T.short, { missing }) : T.full;
  return el("span", { class: `badge count ${missing > 0 ? "warn" : "ok"}` }, `${words} · ${staffing}`);
}

async function refreshShift(shiftId) {
  const assignments = await everything(`${urls.assignmentsApi}?shift_id=${shiftId}`);
  state.people.set(shiftId, assignments);
  const old = container.querySelector(`[data-shift-id="${shiftId}"]`);
  const shift = state.shifts.find((s) => s.id === shiftId);
  if (old && shift) old.replaceWith(shiftCard(shift));
  container.querySelector(`[data-shift-id="${shiftId}"] input[name="q"]`)?.focus();
}

async function remove(shift, assignment) {
  if (!window.confirm(fmt(T.confirm_remove, { name: assignment.person_name }))) return;
  try {
    await api("DELETE", `${urls.assignApi}/${assignment.id}`);
    notify(fmt(T.removed, { name: assignment.person_name }));
    await refreshShift(shift.id);
  } catch (failure) {
    notifyFailure(failure);
  }
}

async function assign(shift, person, form) {
  clearErrors(form);
  await busy(form, async () => {
    try {
      await api("POST", urls.assignApi, { shift_id: shift.id, person_id: person.id });
      notify(fmt(T.assigned, { name: person.name }));
      await refreshShift(shift.id);
    } catch (failure) {
      const line = form.querySelector(".assign-error");
      if (failure.code === "conflict") line.textContent = T.conflict_message;
      else if (failure.code === "validation_error" && failure.fields) {
        line.textContent = Object.keys(failure.fields)
          .map((key) => T.field_errors[key] || failure.fields[key]).join(" ");
      } else {
        line.textContent = describe(failure);
        if (failure.code === "unauthorized") notifyFailure(failure);
      }
      line.hidden = false;
    }
  });
}

function wireSearch(shift, form) {
  const input = form.elements.q;
  const results = form.querySelector(".candidates");
  let ticket = 0;
  const search = async () => {
    const q = input.value.trim();
    const mine = ++ticket;
    if (!q) {
      results.replaceChildren();
      return;
    }
    let answer;
    try {
      answer = await api("GET", `${urls.peopleApi}?${new URLSearchParams({ q, active: "true", limit: 8 })}`);
    } catch (failure) {
      notifyFailure(failure);
      return;
    }
    if (mine !== ticket) return;
    const taken = new Set((state.people.get(shift.id) || []).map((a) => a.person_id));
    const candidates = answer.items.filter((person) => !taken.has(person.id));
    results.replaceChildren(...(candidates.length ? candidates.map((person) => el("li", {},
      el("span", { class: "who-line" }, el("strong", {}, person.name), ` ${person.unit}`,
        person.skills.length ? el("span", { class: "hint" }, ` · ${person.skills.join("、")}`) : null),
      el("button", { type: "button", class: "small primary", onclick: () => assign(shift, person, form) },
        T.assign)))
      : [el("li", { class: "hint" }, T.no_people)]));
  };
  input.addEventListener("input", debounce(search));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
}

function shiftCard(shift) {
  const node = document.getElementById("shift-tpl").content.firstElementChild.cloneNode(true);
  const assignments = state.people.get(shift.id) || [];
  node.dataset.shiftId = shift.id;
  node.querySelector(".shift-time").textContent = timeRange(shift.starts_at, shift.ends_at);
  node.querySelector(".count").replaceWith(countBadge(shift, assignments.length));
  if (shift.skills.length) {
    const skills = node.querySelector(".shift-skills");
    skills.textContent = fmt(T.skills_needed, { skills: shift.skills.join("、") });
    skills.hidden = false;
  }
  node.querySelector(".assigned").replaceChildren(...assignments.map((assignment) => el("li", {},
    el("span", { class: "person-name" }, assignment.person_name),
    editable ? el("button", { type: "button", class: "small danger", onclick: () => remove(shift, assignment) },
      T.remove) : null)));
  const nobody = node.querySelector(".nobody");
  nobody.textContent = T.nobody;
  nobody.hidden = assignments.length > 0;
  const form = node.querySelector(".assign-form");
  if (form) wireSearch(shift, form);
  return node;
}

function render() {
  const groups = new Map();
  for (const shift of state.shifts) {
    if (!groups.has(shift.post_id)) groups.set(shift.post_id, { name: shift.post_name, shifts: [] });
    groups.get(shift.post_id).shifts.push(shift);
  }
  const ordered = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
  container.replaceChildren(...ordered.map((group) => {
    const node = document.getElementById("group-tpl").content.firstElementChild.cloneNode(true);
    node.querySelector(".post-name").textContent = group.name;
    node.querySelector(".post-shifts").replaceChildren(...group.shifts.map(shiftCard));
    return node;
  }));
  const empty = document.getElementById("empty");
  empty.textContent = T.no_shifts;
  empty.hidden = state.shifts.length > 0;
}

async function load() {
  container.setAttribute("aria-busy", "true");
  try {
    const [shifts, assignments] = await Promise.all([
      everything(urls.shiftsApi), everything(urls.assignmentsApi)]);
    state.shifts = shifts;
    state.people = new Map();
    for (const assignment of assignments) {
      if (!state.people.has(assignment.shift_id)) state.people.set(assignment.shift_id, []);
      state.people.get(assignment.shift_id).push(assignment);
    }
    render();
  } catch (failure) {
    notifyFailure(failure);
  } finally {
    container.removeAttribute("aria-busy");
  }
}

async function loadPosts(form) {
  const select = form.elements.post_id;
  try {
    const posts = await everything(`${urls.postsApi}?active=true`);
    select.replaceChildren(el("option", { value: "" }, T.choose_post),
      ...posts.map((post) => el("option", { value: post.id }, post.name)));
    if (posts.length === 0) {
      notify(T.no_posts, "error");
      document.getElementById("notice").append(" ", el("a", { href: urls.postsPage }, T.posts_page));
    }
  } catch (failure) {
    notifyFailure(failure);
  }
}

const form = document.getElementById("form");
if (form) {
  loadPosts(form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const postId = form.elements.post_id.value;
    const required = form.elements.required.value;
    const body = {
      post_id: postId ? Number(postId) : null,
      starts_at: beijing(form, "starts_at"),
      ends_at: beijing(form, "ends_at"),
      required: /^\d+$/.test(required) ? Number(required) : required,
      skills: list(form, "skills"),
    };
    busy(form, async () => {
      try {
        const shift = await api("POST", urls.shiftsApi, body);
        notify(fmt(T.shift_added, { post: shift.post_name }));
        await load();
      } catch (failure) {
        showFailure(form, failure, { message: T.closed_message });
      }
    });
  });
}

load();
