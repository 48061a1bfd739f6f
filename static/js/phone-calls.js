// The phone page's call banners (叫应, 随机点名): one for each open call until it is answered,
// kept on the phone (phone-store.js) so that a reload without a network still shows them. The
// answer is one tap, queued in the outbox like a check-in: its client_id is made at the tap and
// its taken_at is the tap's time, so an answer sent later still counts from when it was given.

import { T, api, el, fmt, localTime } from "./common.js";
import * as store from "./phone-store.js";

const ANSWERED_SHOWN_MS = 4000; // "已应答 08:02" stays this long, then the banner goes
const OVERDUE_CHECK_MS = 10000;
const MESSAGE_IN_RECORDS = 40; // characters of the call's message in the phone's record list
export const ANSWER_KIND = "call_answer";

/** "08:05" in Beijing time. */
function clockTime(iso) {
  return localTime(iso).slice(11);
}

export class CallBanners {
  /**
   * `root`: where the banners go; `template`: one banner's markup; `urls`: {mine, answer} (the
   * answer's with the placeholder id 0); `outbox`: the page's Outbox; `locate()` resolves with
   * a fix or rejects with {code}; `geoProblem(failure)` says why it failed; `heldText()` why an
   * answer is still waiting on the phone.
   */
  constructor({ root, template, personId, urls, outbox, locate, geoProblem, heldText }) {
    Object.assign(this, { root, template, urls, outbox, locate, geoProblem, heldText });
    this.savedKey = `calls:${personId}`;
    this.calls = new Map(); // call id → the call, as GET /api/v1/me/calls gives it
    this.states = new Map(); // id → {kind: busy|sending|queued|answered|outside|error, text}
  }

  /** Show the calls this phone knows; then ask the server, and listen for new ones. */
  async start() {
    const saved = await store.get(store.SAVED, this.savedKey);
    for (const call of saved ? saved.items : []) this.calls.set(call.id, call);
    for (const record of await this.outbox.list(store.OUTBOX)) {
      if (record.kind === ANSWER_KIND) this.states.set(record.call_id, this.waiting());
    }
    this.render();
    setInterval(() => this.markOverdue(), OVERDUE_CHECK_MS);
    this.listen();
    this.refresh();
  }

  /** The server's open calls replace what the phone knew (kept as they are without a network). */
  async refresh() {
    let answer;
    try {
      answer = await api("GET", this.urls.mine);
    } catch {
      return;
    }
    const open = new Map(answer.items.map((call) => [call.id, call]));
    for (const id of this.calls.keys()) {
      const state = this.states.get(id);
      // A banner showing its answer keeps it for a moment; one whose answer waits keeps waiting.
      if (!open.has(id) && !(state && ["answered", "outside", "queued", "sending"].includes(state.kind))) {
        this.forget(id);
      }
    }
    for (const call of open.values()) this.calls.set(call.id, call);
    await this.save();
    this.render();
  }

  /** The person's own channel: a new call shows at once; a reconnect asks for what was missed. */
  listen() {
    if (!window.io) return;
    const socket = window.io("/live", { path: "/socket.io", withCredentials: true });
    socket.on("call", (message) => this.add(message.call));
    socket.on("call_answered", (message) => this.answered(message.call_id, message.answered_at));
    socket.on("connect", () => this.refresh());
  }

  async add(call) {
    if (!call || call.closed_at) return;
    this.calls.set(call.id, call);
    await this.save();
    this.render();
    navigator.vibrate?.([300, 150, 300]);
  }

  save() {
    const open = [...this.calls.values()].filter((call) => {
      const state = this.states.get(call.id);
      return !state || !["answered", "outside"].includes(state.kind);
    });
    return store.put(store.SAVED, { key: this.savedKey, items: open, saved_at: Date.now() });
  }

  forget(id) {
    this.calls.delete(id);
    this.states.delete(id);
  }

  waiting() {
    return { kind: "queued", text: this.heldText() };
  }

  // --- answering -----------------------------------------------------------------------------

  async answer(call) {
    const tappedAt = new Date().toISOString();
    const body = { client_id: crypto.randomUUID(), taken_at: tappedAt };
    if (call.kind === "roll_call") {
      this.show(call.id, { kind: "busy", text: T.locating });
      try {
        const fix = await this.locate();
        Object.assign(body, { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy });
      } catch (failure) {
        this.show(call.id, { kind: "error", text: `${this.geoProblem(failure)} ${T.nothing_sent}` });
        return;
      }
    }
    const record = { client_id: body.client_id, kind: ANSWER_KIND, call_id: call.id,
      url: this.urls.answer.replace("/0/", `/${call.id}/`), body, taken_at: tappedAt,
      created_at: Date.now(), post_name: call.message.slice(0, MESSAGE_IN_RECORDS) };
    await this.outbox.add(record);
    this.show(call.id, { kind: "sending", text: T.calls.sending });
    await this.outbox.flush();
    if (await this.outbox.has(record.client_id)) this.show(call.id, this.waiting());
  }

  /** The outbox delivered an answer (201, or 200: it had arrived already). */
  sent(record) {
    const answer = record.answer;
    this.answered(record.call_id, answer.answered_at, answer.within_fence === false);
  }

  /** The server refused an answer: say why; the button may be tapped again. */
  failed(record, text) {
    this.show(record.call_id, { kind: "error", text });
  }

  async answered(callId, answeredAt, outside = false) {
    if (!this.calls.has(callId)) return;
    const time = clockTime(answeredAt);
    this.show(callId, outside
      ? { kind: "outside", text: fmt(T.calls.outside, { time }) }
      : { kind: "answered", text: fmt(T.calls.answered, { time }) });
    await this.save();
    if (!outside) setTimeout(() => this.dismiss(callId), ANSWERED_SHOWN_MS);
  }

  async dismiss(callId) {
    this.forget(callId);
    await this.save();
    this.render();
  }

  // --- the banners ---------------------------------------------------------------------------

  show(callId, state) {
    this.states.set(callId, state);
    this.render();
  }

  sorted() {
    return [...this.calls.values()].sort((a, b) => a.deadline_at.localeCompare(b.deadline_at));
  }

  render() {
    this.root.replaceChildren(...this.sorted().map((call) => this.banner(call)));
    this.root.hidden = this.calls.size === 0;
  }

  markOverdue() {
    for (const node of this.root.querySelectorAll(".call-banner")) {
      const call = this.calls.get(Number(node.dataset.callId));
      if (call) this.overdue(node, call);
    }
  }

  overdue(node, call) {
    const late = Date.now() >= Date.parse(call.deadline_at);
    node.classList.toggle("overdue", late);
    node.querySelector(".call-overdue").hidden = !late;
  }

  banner(call) {
    const node = this.template.content.firstElementChild.cloneNode(true);
    const state = this.states.get(call.id) || null;
    const rollCall = call.kind === "roll_call";
    node.dataset.callId = call.id;
    node.dataset.state = state ? state.kind : "open";
    node.querySelector(".call-kind").textContent = rollCall ? T.calls.roll_call : T.calls.call;
    node.querySelector(".call-message").textContent = call.message;
    node.querySelector(".call-deadline-text").textContent = fmt(T.calls.deadline,
      { time: clockTime(call.deadline_at) });
    node.querySelector(".call-hint").hidden = !rollCall;
    this.overdue(node, call);
    const button = node.querySelector(".call-answer");
    button.textContent = rollCall ? T.calls.answer_roll_call : T.calls.answer_call;
    button.hidden = Boolean(state) && !["busy", "error"].includes(state.kind);
    button.disabled = Boolean(state) && state.kind === "busy";
    button.addEventListener("click", () => {
      button.disabled = true;
      this.answer(call);
    });
    const line = node.querySelector(".call-state");
    line.textContent = state ? state.text : "";
    line.hidden = !state;
    if (state && state.kind === "outside") {
      line.append(" ", el("button", { type: "button", class: "small",
        onclick: () => this.dismiss(call.id) }, T.dismiss));
    }
    return node;
  }
}
