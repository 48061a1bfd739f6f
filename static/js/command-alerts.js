// The alert panel: open alerts newest first, a flash and an optional beep on a new one, and the
// commander's buttons (acknowledge; send the nearest free person for a missed check-in or a short
// post). Rendering is batched into one animation frame however many messages arrive.

import { T, el, fmt, localTime } from "./common.js";

const SHOWN_AT_MOST = 200;
const DISPATCHABLE = new Set(["missed_checkin", "understaffed"]);

/** A short beep made with the Web Audio API; off until the person at the screen turns it on. */
export class Beeper {
  constructor() {
    this.enabled = false;
    this.context = null;
    this.lastAt = -Infinity;
    this.beeps = 0;
  }

  toggle() {
    this.enabled = !this.enabled;
    if (this.enabled && !this.context) {
      const Context = window.AudioContext || window.webkitAudioContext;
      this.context = Context ? new Context() : null; // created on a click, so it may play
    }
    if (this.enabled) this.play(); // so that one hears it works
    return this.enabled;
  }

  /** Beep for a new alert; a burst of alerts beeps once a second at most. */
  beep() {
    if (!this.enabled || !this.context) return;
    const now = performance.now();
    if (now - this.lastAt < 1000) return;
    this.lastAt = now;
    this.beeps += 1;
    this.play();
  }

  play() {
    if (!this.context) return;
    const now = this.context.currentTime;
    const tone = this.context.createOscillator();
    const gain = this.context.createGain();
    tone.type = "sine";
    tone.frequency.setValueAtTime(880, now);
    tone.frequency.setValueAtTime(660, now + 0.12);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.3, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    tone.connect(gain).connect(this.context.destination);
    tone.start(now);
    tone.stop(now + 0.32);
  }
}

function byNewest(a, b) {
  return b.raised_at.localeCompare(a.raised_at) || b.id - a.id;
}

export class AlertPanel {
  /**
   * @param {object} options list, empty, counter (elements); postName(id); unitName(id) for an
   *   alert about a unit (a village's relocation); actions {ack(alert), dispatch(alert),
   *   openPost(postId), openUnit(unitId)} or null when read-only; onNew(alert)
   */
  constructor({ list, empty, counter, postName, unitName = () => null, actions, onNew }) {
    this.list = list;
    this.empty = empty;
    this.counter = counter;
    this.postName = postName;
    this.unitName = unitName;
    this.actions = actions;
    this.onNew = onNew;
    this.alerts = new Map();
    this.fresh = new Set();
    this.results = new Map(); // alert id -> the last dispatch's outcome, kept across renders
    this.readOnly = false;
    this.frame = null;
  }

  /** Replace every alert (a snapshot or a replay moment); nothing flashes. */
  setAll(alerts, readOnly = false) {
    this.alerts = new Map(alerts.map((a) => [a.id, a]));
    this.fresh.clear();
    this.readOnly = readOnly;
    this.schedule();
  }

  /** An `alert` message: new, updated (acknowledged) or resolved (then it leaves the panel). */
  upsert(alert) {
    const known = this.alerts.has(alert.id);
    if (alert.resolved_at) this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, { ...this.alerts.get(alert.id), ...alert });
    if (!known && !alert.resolved_at) {
      this.fresh.add(alert.id);
      setTimeout(() => {
        this.fresh.delete(alert.id);
        this.list.querySelector(`[data-alert-id="${alert.id}"]`)?.classList.remove("fresh");
      }, 6000);
      this.onNew(alert);
    }
    this.schedule();
  }

  setResult(alertId, text, kind) {
    this.results.set(alertId, { text, kind });
    this.schedule();
  }

  get size() {
    return this.alerts.size;
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = null;
    const sorted = [...this.alerts.values()].sort(byNewest);
    const items = sorted.slice(0, SHOWN_AT_MOST).map((alert) => this.item(alert));
    if (sorted.length > SHOWN_AT_MOST) {
      items.push(el("li", { class: "more" }, fmt(T.more_alerts, { count: sorted.length - SHOWN_AT_MOST })));
    }
    this.list.replaceChildren(...items);
    this.empty.hidden = sorted.length > 0;
    this.counter.textContent = String(sorted.length);
  }

  item(alert) {
    const actions = this.readOnly ? null : this.actions;
    const postName = alert.post_id ? this.postName(alert.post_id) : null;
    const unitName = !alert.post_id && alert.unit_id ? this.unitName(alert.unit_id) : null;
    const buttons = [];
    if (alert.acked_at) {
      buttons.push(el("span", { class: "acked-note" }, fmt(T.acked, { time: localTime(alert.acked_at).slice(11) })));
    } else if (actions && actions.ack) {
      buttons.push(el("button", { type: "button", class: "small ack", onclick: (e) => actions.ack(alert, e.currentTarget) }, T.ack));
    }
    if (actions && actions.dispatch && DISPATCHABLE.has(alert.kind) && alert.shift_id) {
      buttons.push(el("button", { type: "button", class: "small primary dispatch",
        onclick: (e) => actions.dispatch(alert, e.currentTarget) }, T.dispatch));
    }
    const result = this.results.get(alert.id);
    const classes = ["alert", `kind-${alert.kind}`];
    if (this.fresh.has(alert.id)) classes.push("fresh");
    if (alert.acked_at) classes.push("acked");
    return el("li", { class: classes.join(" "), "data-alert-id": alert.id },
      el("div", { class: "alert-head" },
        el("span", { class: "alert-kind" }, T.alert_kinds[alert.kind] || alert.kind),
        postName ? el("button", { type: "button", class: "link post-link", title: postName,
          onclick: () => this.actions.openPost(alert.post_id) }, postName) : null,
        unitName && this.actions.openUnit ? el("button", { type: "button", class: "link post-link unit-link",
          title: unitName, onclick: () => this.actions.openUnit(alert.unit_id) }, unitName) : null,
        el("time", { datetime: alert.raised_at }, localTime(alert.raised_at).slice(5))),
      el("p", { class: "alert-message" }, alert.message),
      el("div", { class: "alert-actions" }, ...buttons),
      result ? el("p", { class: `dispatch-result ${result.kind}`, role: "status" }, result.text) : null);
  }
}
