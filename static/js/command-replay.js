// The after-action replay (复盘): a time slider from the response's start to now (or its close)
// that shows the map as the records had it then; a play button steps through time.

import { T, fmt, localTime } from "./common.js";

const MINUTE = 60_000;
const PLAY_STEPS = 60; // a whole response plays in about a minute
const PLAY_TICK_MS = 800;
const DEBOUNCE_MS = 250;

export class Replay {
  /**
   * @param {object} options bar, slider, label, playButton, exitButton (elements); startsAt,
   *   closedAt, serverNow (ISO); show(atIso) -> Promise (loads and draws that moment);
   *   onEnter(), onExit()
   */
  constructor({ bar, slider, label, playButton, exitButton, startsAt, closedAt, serverNow, show, onEnter, onExit }) {
    Object.assign(this, { bar, slider, label, playButton, show, onEnter, onExit });
    this.start = Date.parse(startsAt);
    this.closed = closedAt ? Date.parse(closedAt) : null;
    // The server's clock may differ from this computer's: count on from the server's "now".
    this.serverNow = Date.parse(serverNow);
    this.loadedAt = performance.now();
    this.active = false;
    this.playing = null;
    this.timer = null;
    this.ticket = 0;
    slider.addEventListener("input", () => {
      this.stop();
      this.labelNow();
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.load(), DEBOUNCE_MS);
    });
    playButton.addEventListener("click", () => (this.playing ? this.stop() : this.play()));
    exitButton.addEventListener("click", () => this.exit());
  }

  end() {
    return this.closed ?? this.serverNow + (performance.now() - this.loadedAt);
  }

  /** The moment the slider points at, in milliseconds. */
  moment() {
    return Math.min(this.start + Number(this.slider.value) * MINUTE, this.end());
  }

  enter() {
    this.active = true;
    this.slider.min = "0";
    this.slider.max = String(Math.max(1, Math.ceil((this.end() - this.start) / MINUTE)));
    this.slider.value = this.slider.max;
    this.bar.hidden = false;
    this.onEnter();
    this.labelNow();
    return this.load();
  }

  exit() {
    this.stop();
    clearTimeout(this.timer);
    this.ticket += 1;
    this.active = false;
    this.bar.hidden = true;
    return this.onExit();
  }

  labelNow() {
    const at = new Date(this.moment()).toISOString();
    this.label.value = fmt(T.replay_at, { time: localTime(at) });
    this.label.textContent = this.label.value;
  }

  async load() {
    const mine = ++this.ticket;
    const at = new Date(this.moment()).toISOString();
    this.bar.setAttribute("aria-busy", "true");
    try {
      await this.show(at, () => mine === this.ticket);
    } finally {
      if (mine === this.ticket) this.bar.removeAttribute("aria-busy");
    }
  }

  async play() {
    const max = Number(this.slider.max);
    if (Number(this.slider.value) >= max) this.slider.value = "0";
    const step = Math.max(1, Math.round(max / PLAY_STEPS));
    const run = Symbol("play");
    this.playing = run;
    this.playButton.textContent = `⏸ ${T.pause}`;
    this.playButton.setAttribute("aria-pressed", "true");
    while (this.playing === run) {
      this.labelNow();
      await this.load();
      if (this.playing !== run) break;
      if (Number(this.slider.value) >= max) break;
      await new Promise((resolve) => setTimeout(resolve, PLAY_TICK_MS));
      if (this.playing !== run) break;
      this.slider.value = String(Math.min(max, Number(this.slider.value) + step));
    }
    if (this.playing === run) this.stop();
  }

  stop() {
    this.playing = null;
    this.playButton.textContent = `▶ ${T.play}`;
    this.playButton.setAttribute("aria-pressed", "false");
  }
}
