// The roster page: search, add, edit, deactivate and import people.

import { catalogue } from "./catalogue.js";
import { T, list, number, text } from "./common.js";

function coordinate(value) {
  return value === null || value === undefined ? "" : String(value);
}

catalogue({
  cells: {
    name: (person) => person.name,
    phone: (person) => person.phone,
    unit: (person) => person.unit,
    kind: (person) => T.kinds[person.kind] || person.kind,
    skills: (person) => person.skills.join("、"),
  },
  toBody: (form) => ({
    name: text(form, "name"),
    phone: text(form, "phone"),
    unit: text(form, "unit"),
    kind: form.elements.kind.value,
    skills: list(form, "skills"),
    home_lat: number(form, "home_lat"),
    home_lon: number(form, "home_lon"),
  }),
  fill: (form, person) => {
    form.elements.name.value = person.name;
    form.elements.phone.value = person.phone;
    form.elements.unit.value = person.unit;
    form.elements.kind.value = person.kind;
    form.elements.skills.value = person.skills.join("、");
    form.elements.home_lat.value = coordinate(person.home_lat);
    form.elements.home_lon.value = coordinate(person.home_lon);
  },
  blank: (form) => {
    form.elements.kind.value = "cadre";
  },
});
