// The post drawer: a post's shifts with who is assigned, acknowledged and on duty, its check-in
// history with flags and handover notes, and, for a commander, adding or removing people (search,
// or the nearest free ones). Live messages about the post refresh it in place: the search boxes
// keep what was typed.

import { T, api, debounce, describe, el, fmt, localTime, timeRange } from "./common.js";

/** "850 米" or "1.2 公里". */
export function distanceText(metres) {
  if (metres === null || metres === undefined) return "";
  return metres < 1000
    ? fmt(T.m, { value: Math.round(metres) })
    : fmt(T.km, { value: (metres / 1000).toFixed(metres < 10000 ? 1 : 0) });
}

/** Put the id into an API address made with the placeholder 0. */
export function withId(template, id) {
  return template.replace(/\/0(\/|$)/, `/${id}$1`);
}

function chip(text, kind) {
  return el("span", { class: `chip ${kind}` }, text);
}

export class PostDrawer {
  /**
   * @param {object} options root, title, body, closeButton (elements); urls (page data set);
   *   canDispatch; postOf(id) -> the map's post; onOpen(postId | null); notify(text, kind)
   */
  constructor({ root, title, body, closeButton, urls, canDispatch, postOf, onOpen, notify }) {
    Object.assign(this, { root, title, body, urls, canDispatch, postOf, onOpen, notify });
    this.postId = null;
    this.ticket = 0;
    this.blocks = new Map();
    this.refreshSoon = debounce(() => this.load(), 250);
    closeButton.addEventListener("click", () => this.close());
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
  }

  async open(postId) {
    if (postId === null || postId === undefined) return;
    if (this.postId !== postId) {
      this.postId = postId;
      this.blocks.clear();
      this.body.replaceChildren(el("p", { class: "hint" }, T.loading));
      const post = this.postOf(postId);
      this.title.textContent = post ? post.name : "";
    }
    this.root.hidden = false;
    this.onOpen(postId);
    await this.load();
  }

  close() {
    this.root.hidden = true;
    this.postId = null;
    this.blocks.clear();
    this.onOpen(null);
  }

  /** A message touched this post: refresh shortly (many messages, one request). */
  touched(postId) {
    if (postId === this.postId && !this.root.hidden) this.refreshSoon();
  }

  async load() {
    const postId = this.postId;
    if (postId === null) return;
    const mine = ++this.ticket;
    let detail;
    try {
      detail = await api("GET", withId(this.urls.postApi, postId));
    } catch (failure) {
      if (mine === this.ticket) this.body.replaceChildren(el("p", { class: "error" }, describe(failure)));
      return;
    }
    if (mine !== this.ticket || postId !== this.postId) return;
    this.render(detail);
  }

  render(detail) {
    const { post, status } = detail;
    this.title.textContent = post.name;
    let summary = this.body.querySelector(".drawer-summary");
    if (!summary) {
      this.body.replaceChildren();
      summary = el("div", { class: "drawer-summary" });
      this.shiftsBox = el("div", { class: "drawer-shifts" });
      this.checkinsBox = el("section", { class: "drawer-checkins" });
      this.body.append(summary, this.shiftsBox, this.checkinsBox);
    }
    summary.replaceChildren(
      el("span", { class: `status-badge status-${status.status}` }, T.statuses[status.status]),
      el("span", { class: "present" }, fmt(T.present_of, status)),
      el("span", { class: "hint" }, [T.post_kinds[post.kind] || post.kind, post.village].filter(Boolean).join(" · ")));

    const running = detail.shifts.filter((s) => s.running);
    const others = detail.shifts.filter((s) => !s.running);
    const wanted = [...running, ...others];
    const keep = new Set(wanted.map((s) => s.id));
    for (const [id, block] of this.blocks) {
      if (!keep.has(id)) {
        block.root.remove();
        this.blocks.delete(id);
      }
    }
    // Blocks already in place stay put, so that a search box being typed in keeps its focus.
    wanted.forEach((shift, index) => {
      const block = this.blocks.get(shift.id) || this.newBlock(shift);
      this.fillBlock(block, shift);
      const here = this.shiftsBox.children[index];
      if (here !== block.root) this.shiftsBox.insertBefore(block.root, here || null);
    });
    while (this.shiftsBox.children.length > wanted.length) this.shiftsBox.lastElementChild.remove();
    if (!wanted.length) this.shiftsBox.replaceChildren(el("p", { class: "hint" }, T.no_shifts));
    this.renderCheckins(detail.checkins);
  }

  newBlock(shift) {
    const root = el("section", { class: "shift-block", "data-shift-id": shift.id });
    const head = el("h3", { class: "shift-head" });
    const people = el("ul", { class: "people" });
    root.append(head, people);
    const block = { root, head, people };
    if (this.canDispatch) root.append(this.dispatchTools(shift));
    this.blocks.set(shift.id, block);
    return block;
  }

  fillBlock(block, shift) {
    block.root.classList.toggle("running", shift.running);
    block.head.replaceChildren(...[
      el("span", { class: "shift-time" }, timeRange(shift.starts_at, shift.ends_at)),
      shift.running ? chip(T.shift_running, "ok") : null,
      el("span", { class: "hint" }, fmt(T.shift_required, { required: shift.required })),
    ].filter(Boolean));
    const rows = shift.assignments.map((a) => el("li", { "data-assignment-id": a.assignment_id },
      el("div", { class: "who" },
        el("strong", {}, a.name), " ", el("span", { class: "hint" }, a.unit),
        el("div", { class: "chips" },
          chip(a.acknowledged_at ? T.acknowledged : T.not_acknowledged, a.acknowledged_at ? "ok" : "warn"),
          chip(a.on_duty ? T.on_duty : T.not_on_duty, a.on_duty ? "ok" : "muted"),
          a.last_seen ? el("span", { class: "hint" }, fmt(T.last_seen, { time: localTime(a.last_seen).slice(11) })) : null)),
      this.canDispatch ? el("button", { type: "button", class: "small danger",
        onclick: () => this.remove(a) }, T.remove) : null));
    if (!rows.length) rows.push(el("li", { class: "hint nobody" }, T.nobody));
    block.people.replaceChildren(...rows);
  }

  dispatchTools(shift) {
    const input = el("input", { type: "search", name: "q", placeholder: T.search_people, autocomplete: "off",
      "aria-label": T.search_people });
    const found = el("ul", { class: "found" });
    const error = el("p", { class: "field-error", role: "alert", hidden: true });
    const nearest = el("ul", { class: "found nearest" });
    let ticket = 0;
    const search = debounce(async () => {
      const q = input.value.trim();
      const mine = ++ticket;
      if (!q) {
        found.replaceChildren();
        return;
      }
      try {
        const query = new URLSearchParams({ q, active: "true", limit: 8 });
        const answer = await api("GET", `${this.urls.peopleApi}?${query}`);
        if (mine !== ticket) return;
        const rows = answer.items.map((person) => el("li", {},
          el("span", {}, el("strong", {}, person.name), " ", el("span", { class: "hint" }, person.unit)),
          el("button", { type: "button", class: "small", onclick: () => this.assign(shift, person.id, person.name, error, () => {
            input.value = "";
            found.replaceChildren();
          }) }, T.assign)));
        found.replaceChildren(...(rows.length ? rows : [el("li", { class: "hint" }, T.no_people)]));
      } catch (failure) {
        found.replaceChildren(el("li", { class: "error" }, describe(failure)));
      }
    }, 250);
    input.addEventListener("input", search);
    const showNearest = async (button) => {
      button.disabled = true;
      try {
        const answer = await api("GET", `${withId(this.urls.candidatesApi, shift.id)}?limit=5`);
        const rows = answer.items.map((c) => el("li", {},
          el("span", {}, el("strong", {}, c.name), " ", el("span", { class: "hint" },
            `${distanceText(c.distance_m)} · ${c.from_where === "home" ? T.from_home : T.from_last_fix}`),
            c.has_skills ? null : chip(T.lacks_skills, "warn")),
          el("button", { type: "button", class: "small", onclick: () => this.assign(shift, c.person_id, c.name, error,
            () => nearest.replaceChildren()) }, T.assign)));
        nearest.replaceChildren(...(rows.length ? rows : [el("li", { class: "hint" }, T.no_candidates)]));
      } catch (failure) {
        nearest.replaceChildren(el("li", { class: "error" }, describe(failure)));
      } finally {
        button.disabled = false;
      }
    };
    return el("div", { class: "dispatch-tools" },
      el("label", { class: "search-label" }, T.search_people, input),
      found,
      el("button", { type: "button", class: "small candidates-button", onclick: (e) => showNearest(e.currentTarget) },
        T.candidates),
      nearest, error);
  }

  async assign(shift, personId, name, errorLine, done) {
    errorLine.hidden = true;
    try {
      await api("POST", this.urls.assignApi, { shift_id: shift.id, person_id: personId });
      done();
      this.notify(fmt(T.assigned, { name }));
      await this.load();
    } catch (failure) {
      errorLine.textContent = failure.code === "conflict" ? T.conflict_message : describe(failure);
      errorLine.hidden = false;
    }
  }

  async remove(assignment) {
    if (!window.confirm(fmt(T.confirm_remove, { name: assignment.name }))) return;
    try {
      await api("DELETE", withId(this.urls.assignmentApi, assignment.assignment_id));
      this.notify(fmt(T.removed, { name: assignment.name }));
      await this.load();
    } catch (failure) {
      this.notify(describe(failure), "error");
    }
  }

  renderCheckins(checkins) {
    const rows = checkins.map((c) => el("li", { class: `checkin${c.flags.length ? " flagged" : ""}${c.review_verdict === "rejected" ? " rejected" : ""}` },
      el("div", { class: "checkin-line" },
        el("time", { datetime: c.taken_at }, localTime(c.taken_at).slice(5)),
        el("strong", {}, c.person_name),
        el("span", {}, T.checkin_kinds[c.kind] || c.kind),
        el("span", { class: c.within_fence ? "hint" : "warn-text" }, fmt(T.distance, { distance: distanceText(c.distance_m) }))),
      c.flags.length ? el("div", { class: "chips" }, ...c.flags.map((f) => chip(T.flags[f] || f, "warn"))) : null,
      c.note ? el("p", { class: "note" }, fmt(T.handover, { note: c.note })) : null));
    this.checkinsBox.replaceChildren(el("h3", {}, T.checkins_title),
      rows.length ? el("ol", { class: "checkins" }, ...rows) : el("p", { class: "hint" }, T.no_checkins));
  }
}
