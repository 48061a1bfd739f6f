// The side panels besides alerts: hazard reports with their photos (thumbnail, then the full
// image), and staff links refused on a second phone (possible check-ins for someone else, 代签到).

import { T, api, describe, el, fmt, localTime } from "./common.js";

export class ReportPanel {
  /**
   * @param {object} options list, empty, counter, dialog, dialogImage (elements); locate(report)
   */
  constructor({ list, empty, counter, dialog, dialogImage, dialogCaption, locate }) {
    Object.assign(this, { list, empty, counter, dialog, dialogImage, dialogCaption, locate });
    this.reports = new Map();
    this.until = null; // replay: only reports received by then
  }

  setAll(reports) {
    this.reports = new Map(reports.map((r) => [r.id, r]));
    this.render();
  }

  add(report) {
    this.reports.set(report.id, { ...this.reports.get(report.id), ...report });
    this.render();
  }

  /** Reports to show now: all of them, or those received by the replay's moment. */
  shown() {
    const all = [...this.reports.values()].sort((a, b) => b.id - a.id);
    return this.until === null ? all : all.filter((r) => Date.parse(r.received_at) <= this.until);
  }

  render() {
    const shown = this.shown();
    this.list.replaceChildren(...shown.map((r) => this.item(r)));
    this.empty.hidden = shown.length > 0;
    this.counter.textContent = String(shown.length);
  }

  item(report) {
    const category = T.categories[report.category] || report.category;
    return el("li", { class: "report", "data-report-id": report.id },
      report.photo_url ? this.thumbnail(report, category) : null,
      el("div", { class: "report-text" },
        el("div", { class: "report-head" },
          el("span", { class: "chip danger" }, category),
          el("time", { datetime: report.received_at }, localTime(report.received_at).slice(5))),
        el("p", {}, report.description),
        report.person_name ? el("p", { class: "hint" }, fmt(T.reported_by, { name: report.person_name })) : null,
        el("button", { type: "button", class: "link", onclick: () => this.locate(report) }, T.show_on_map)));
  }

  thumbnail(report, category) {
    const label = fmt(T.photo_of, { category });
    return el("button", { type: "button", class: "thumb", title: label, "aria-label": label,
      onclick: () => this.showPhoto(report, label) },
    el("img", { src: report.photo_url, alt: label, loading: "lazy" }));
  }

  /** The popup of a report's pin on the map. */
  popup(report) {
    const category = T.categories[report.category] || report.category;
    return el("div", { class: "report-popup" },
      el("strong", {}, category), " ", el("span", { class: "hint" }, localTime(report.received_at).slice(5)),
      el("p", {}, report.description),
      report.photo_url ? this.thumbnail(report, category) : null);
  }

  showPhoto(report, label) {
    this.dialogImage.src = report.photo_url;
    this.dialogImage.alt = label;
    this.dialogCaption.textContent = `${label} · ${report.description}`;
    this.dialog.showModal();
  }
}

export class RefusalPanel {
  constructor({ list, empty, counter, url }) {
    Object.assign(this, { list, empty, counter, url });
  }

  async load() {
    try {
      const answer = await api("GET", `${this.url}?limit=100`);
      this.list.replaceChildren(...answer.items.map((r) => el("li", { class: "refusal" },
        el("div", { class: "report-head" },
          el("strong", {}, fmt(T.refusal_line, { name: r.person_name })),
          el("time", { datetime: r.at }, localTime(r.at).slice(5))),
        el("p", { class: "hint" }, `${r.address} · ${r.user_agent}`))));
      this.empty.hidden = answer.items.length > 0;
      this.counter.textContent = String(answer.total);
    } catch (failure) {
      this.list.replaceChildren(el("li", { class: "error" }, describe(failure)));
    }
  }
}
