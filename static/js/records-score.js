// A score's parts as a line under the total: the base, then every part that is not zero.

import { T, el } from "./common.js";

const PART_ORDER = ["absent", "late", "left_early", "spot_check_absences", "rejected_checkins",
  "commendations", "criticisms", "on_duty_hours"];

/** "−3" or "+5": the sign always shown, with a true minus sign. */
export function signed(value) {
  return value < 0 ? `−${Math.abs(value)}` : `+${value}`;
}

export function scoreParts(item) {
  const parts = el("span", { class: "parts" }, `${T.parts.base} ${item.score_parts.base}`);
  for (const key of PART_ORDER) {
    const value = item.score_parts[key];
    if (!value) continue;
    parts.append(" · ", el("span", { class: value < 0 ? "minus" : "plus" }, `${T.parts[key]} ${signed(value)}`));
  }
  return parts;
}
