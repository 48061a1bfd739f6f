// The roster page: search, add, edit, deactivate and import people; each person's unit in the
// command chain and what they are responsible for.

import { catalogue } from "./catalogue.js";
import { T, el, list, number, text } from "./common.js";
import { fillUnits, loadUnits, pathText, unitValue } from "./organisation.js";

const page = document.getElementById("page");
const ownUnit = page.dataset.ownUnit;
const units = await loadUnits(page.dataset.unitsApi);
const unitsById = new Map(units.map((unit) => [unit.id, unit]));

function coordinate(value) {
  return value === null || value === undefined ? "" : String(value);
}

function unitPath(id) {
  const unit = unitsById.get(id);
  return unit ? pathText(unit) : "—";
}

/** "石门水库 · 巡查责任人", "太湖源镇 · 带班领导": one line each. */
function responsibilities(person) {
  const { posts, units: led } = person.responsibilities;
  const lines = [
    ...posts.map((post) => `${post.name} · ${T.post_roles[post.role] || post.role}`),
    ...led.map((unit) => `${unit.name} · ${T.unit_roles[unit.role] || unit.role}`),
  ];
  return lines.length ? el("ul", { class: "plain-list" }, ...lines.map((line) => el("li", {}, line))) : "—";
}

const form = document.getElementById("form");
if (form) {
  fillUnits(form.elements.unit_id, units, !ownUnit);
  form.elements.unit_id.value = ownUnit;
}

catalogue({
  cells: {
    name: (person) => person.name,
    phone: (person) => person.phone,
    unit: (person) => person.unit,
    unit_id: (person) => unitPath(person.unit_id),
    kind: (person) => T.kinds[person.kind] || person.kind,
    skills: (person) => person.skills.join("、"),
    responsibilities,
  },
  toBody: (form) => ({
    name: text(form, "name"),
    phone: text(form, "phone"),
    unit: text(form, "unit"),
    unit_id: unitValue(form.elements.unit_id),
    kind: form.elements.kind.value,
    skills: list(form, "skills"),
    home_lat: number(form, "home_lat"),
    home_lon: number(form, "home_lon"),
  }),
  fill: (form, person) => {
    form.elements.name.value = person.name;
    form.elements.phone.value = person.phone;
    form.elements.unit.value = person.unit;
    form.elements.unit_id.value = person.unit_id ?? "";
    form.elements.kind.value = person.kind;
    form.elements.skills.value = person.skills.join("、");
    form.elements.home_lat.value = coordinate(person.home_lat);
    form.elements.home_lon.value = coordinate(person.home_lon);
  },
  blank: (form) => {
    form.elements.kind.value = "cadre";
    form.elements.unit_id.value = ownUnit;
  },
});
