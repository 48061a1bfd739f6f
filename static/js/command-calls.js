// The command center's 叫应 panel: the response's open calls (and the last closed ones) with how
// many have answered, who has not (a tap dials them) and when the others answered, kept live by
// `call_status` messages; and the form that starts a call or a roll call (随机点名).

import { T, api, busy, clearErrors, describe, el, fmt, localTime, showFieldErrors, showFormError } from "./common.js";
import { withId } from "./command-drawer.js";

const CLOSED_SHOWN = 5; // the newest closed calls stay in the panel: who never answered matters
const PEOPLE_SHOWN = 100; // names listed per call and list; the rest are counted
const DETAIL_AFTER_MS = 400; // a burst of answers reloads a call's people once

function clock(iso) {
  return localTime(iso).slice(11);
}

function figure(name, value, label) {
  return el("span", { class: `call-figure figure-${name}`, "data-figure": name },
    el("b", {}, String(value)), label);
}

export class CallPanel {
  /**
   * @param {object} options list, empty, counter, tab, form (elements; form may be null: the
   *   caller may not start calls); eventId; urls {callsApi, callApi}; units() the units loaded
   *   with the snapshot; notify(text, kind); onNew() a call started elsewhere
   */
  constructor({ list, empty, counter, form, eventId, urls, units, notify, onNew }) {
    Object.assign(this, { list, empty, counter, form, eventId, urls, units, notify, onNew });
    this.calls = new Map();
    this.timers = new Map();
    this.folds = new Map(); // "call id:list" → whether the person at the screen opened that list
    this.frame = null;
    if (form) this.setUpForm();
  }

  /** The open calls and the newest closed ones: loaded with every snapshot. */
  async load() {
    const query = (status, limit) =>
      `${this.urls.callsApi}?event_id=${this.eventId}&status=${status}&limit=${limit}`;
    const [open, closed] = await Promise.all([
      api("GET", query("open", 100)), api("GET", query("closed", CLOSED_SHOWN))]);
    this.calls = new Map([...open.items, ...closed.items].map((call) => [call.id, call]));
    this.schedule();
  }

  /** A `call_status` message: the counts at once, the people shortly after. */
  status(message) {
    const call = this.calls.get(message.call_id);
    if (!call) {
      this.reload(message.call_id, true);
      return;
    }
    Object.assign(call, { targets: message.targets, answered: message.answered,
      late: message.late, overdue: message.overdue });
    this.schedule();
    clearTimeout(this.timers.get(call.id));
    this.timers.set(call.id, setTimeout(() => this.reload(call.id), DETAIL_AFTER_MS));
  }

  async reload(callId, fresh = false) {
    this.timers.delete(callId);
    try {
      const call = await api("GET", withId(this.urls.callApi, callId));
      const known = this.calls.has(callId);
      this.calls.set(callId, call);
      if (fresh && !known) this.onNew(call);
      this.schedule();
    } catch {
      // The next message or snapshot brings it.
    }
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = null;
    const calls = [...this.calls.values()].sort((a, b) =>
      Number(Boolean(a.closed_at)) - Number(Boolean(b.closed_at)) || b.id - a.id);
    const open = calls.filter((call) => !call.closed_at);
    const closed = calls.filter((call) => call.closed_at).slice(0, CLOSED_SHOWN);
    this.list.replaceChildren(...[...open, ...closed].map((call) => this.item(call)));
    this.empty.hidden = calls.length > 0;
    this.counter.textContent = String(open.length);
  }

  item(call) {
    const people = call.people || [];
    const waiting = people.filter((p) => !p.answered_at);
    const answered = people.filter((p) => p.answered_at);
    const classes = ["call", `kind-${call.kind}`];
    if (call.closed_at) classes.push("closed");
    if (call.overdue > 0) classes.push("overdue");
    return el("li", { class: classes.join(" "), "data-call-id": call.id },
      el("div", { class: "call-head" },
        el("span", { class: "call-kind" }, T.calls.kinds[call.kind] || call.kind),
        el("time", { datetime: call.created_at }, fmt(T.calls.started_at, { time: clock(call.created_at) })),
        el("span", { class: "call-deadline" }, call.closed_at
          ? fmt(T.calls.closed_at, { time: clock(call.closed_at) })
          : fmt(T.calls.deadline, { time: clock(call.deadline_at) }))),
      el("p", { class: "call-message" }, call.message),
      el("div", { class: "call-figures" },
        figure("answered", call.answered, T.calls.answered),
        figure("waiting", call.targets - call.answered, T.calls.waiting),
        figure("overdue", call.overdue, T.calls.overdue),
        call.late ? figure("late", call.late, T.calls.late) : null),
      waiting.length ? this.people(`${call.id}:waiting`, T.calls.waiting_list, waiting,
        call.targets - call.answered, (p) => this.waitingLine(p), true) : null,
      answered.length ? this.people(`${call.id}:answered`, T.calls.answered_list, answered,
        call.answered, (p) => this.answeredLine(call, p), false) : null);
  }

  /** A list of people that stays open or folded as the person at the screen left it. */
  people(key, title, people, total, line, openFirst) {
    const more = total - Math.min(people.length, PEOPLE_SHOWN);
    const open = this.folds.has(key) ? this.folds.get(key) : openFirst;
    const list = key.endsWith(":waiting") ? "waiting" : "answered";
    return el("details", { class: `call-people ${list}`, open,
      ontoggle: (event) => this.folds.set(key, event.currentTarget.open) },
    el("summary", {}, fmt(title, { count: total })),
      el("ul", {}, ...people.slice(0, PEOPLE_SHOWN).map(line),
        more > 0 ? el("li", { class: "more" }, fmt(T.calls.more_people, { count: more })) : null));
  }

  waitingLine(person) {
    return el("li", { "data-person-id": person.person_id },
      el("span", { class: "who" }, person.name),
      el("a", { class: "tel", href: `tel:${person.phone}`, title: fmt(T.calls.dial, { name: person.name }) }, person.phone));
  }

  answeredLine(call, person) {
    const chips = [];
    if (person.late) chips.push(el("span", { class: "chip warn" }, T.calls.late_answer));
    if (call.kind === "roll_call" && person.within_fence === false) {
      chips.push(el("span", { class: "chip danger" }, T.calls.outside));
    }
    return el("li", { "data-person-id": person.person_id },
      el("span", { class: "who" }, person.name),
      el("span", { class: "chips" }, ...chips,
        el("time", { datetime: person.answered_at }, clock(person.answered_at))));
  }

  // --- starting a call -------------------------------------------------------------------------

  setUpForm() {
    const form = this.form;
    const unitsBox = form.querySelector("[data-units]");
    const fillUnits = () => {
      if (unitsBox.childElementCount || !this.units()) return;
      unitsBox.replaceChildren(...this.units().map((unit) => el("label", {
        class: `unit-choice depth-${unit.path.length - 1}` },
      el("input", { type: "checkbox", name: "unit_ids", value: unit.id }), ` ${unit.name}`)));
    };
    form.closest("details").addEventListener("toggle", fillUnits);
    form.addEventListener("change", () => {
      form.querySelector("[data-units-hint]").textContent = form.elements.who.value === "units"
        ? T.calls.units_required : T.calls.units_optional;
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(form, () => this.start());
    });
  }

  /** The API's field errors in the form's words: `targets.sample` is the sample's field, any
   * other target problem means the choice reached nobody. */
  reasons(fields) {
    const found = {};
    for (const [path, why] of Object.entries(fields)) {
      const name = path.startsWith("targets.sample") ? "sample"
        : path.startsWith("targets") ? "targets" : path.split(".")[0];
      found[name] = T.calls.field_errors[name] || why;
    }
    return found;
  }

  body() {
    const form = this.form;
    const who = form.elements.who.value;
    const unitIds = [...form.querySelectorAll('input[name="unit_ids"]:checked')].map((box) => Number(box.value));
    const targets = { unit_ids: unitIds };
    if (who === "on_duty") targets.on_duty = true;
    if (who === "responsibles") targets.responsibles = true;
    const sample = form.elements.sample.value.trim();
    if (sample) targets.sample = Number(sample);
    const minutes = form.elements.deadline_minutes.value.trim();
    return { event_id: this.eventId, kind: form.elements.kind.value,
      message: form.elements.message.value.trim(), targets,
      deadline_minutes: minutes ? Number(minutes) : null };
  }

  async start() {
    const form = this.form;
    clearErrors(form);
    const body = this.body();
    const problems = {};
    if (!body.message) problems.message = T.calls.field_errors.message;
    if (form.elements.who.value === "units" && !body.targets.unit_ids.length) {
      problems.unit_ids = T.calls.field_errors.unit_ids;
    }
    if (Object.keys(problems).length) {
      showFieldErrors(form, problems, true);
      return;
    }
    let call;
    try {
      call = await api("POST", this.urls.callsApi, body);
    } catch (failure) {
      if (failure.code === "validation_error" && failure.fields) {
        showFieldErrors(form, this.reasons(failure.fields), true);
      } else showFormError(form, describe(failure));
      return;
    }
    this.calls.set(call.id, call);
    this.schedule();
    this.reload(call.id); // who it reached
    form.elements.message.value = "";
    this.notify(fmt(T.calls.started, { count: call.targets }));
  }
}
