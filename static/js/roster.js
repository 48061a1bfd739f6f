// The printable duty roster (值班表): its print button (no inline handler, for the page's CSP).

for (const button of document.querySelectorAll("[data-action='print']")) {
  button.addEventListener("click", () => window.print());
}
