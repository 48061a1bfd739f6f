// The post catalogue page: search, add, edit, deactivate and import posts.

import { catalogue } from "./catalogue.js";
import { T, number, text } from "./common.js";

catalogue({
  cells: {
    name: (post) => post.name,
    kind: (post) => T.kinds[post.kind] || post.kind,
    village: (post) => post.village || "",
    place: (post) => `${post.lat.toFixed(5)}, ${post.lon.toFixed(5)}`,
    radius_m: (post) => `${Math.round(post.radius_m)} m`,
    risk: (post) => (post.risk ? String(post.risk) : "—"),
  },
  toBody: (form) => ({
    name: text(form, "name"),
    kind: form.elements.kind.value,
    lat: number(form, "lat"),
    lon: number(form, "lon"),
    radius_m: number(form, "radius_m"),
    village: text(form, "village"),
    risk: form.elements.risk.value ? Number(form.elements.risk.value) : null,
  }),
  fill: (form, post) => {
    form.elements.name.value = post.name;
    form.elements.kind.value = post.kind;
    form.elements.lat.value = String(post.lat);
    form.elements.lon.value = String(post.lon);
    form.elements.radius_m.value = String(post.radius_m);
    form.elements.village.value = post.village || "";
    form.elements.risk.value = post.risk ? String(post.risk) : "";
  },
  blank: (form) => {
    form.elements.kind.value = "reservoir";
    form.elements.radius_m.value = "100";
  },
});
