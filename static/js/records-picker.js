// The response picker of the record pages: choosing another response opens the same page for it.

export function followEventPicker() {
  for (const picker of document.querySelectorAll("[data-event-picker]")) {
    picker.addEventListener("change", () => {
      const chosen = picker.elements.namedItem("event_id").value;
      // The picker's URL is the page's own for event 0: "/records/events/0", ".../0/dashboard".
      location.href = picker.dataset.url.replace(/\/0(\/[a-z-]*)?$/, (whole, rest) => `/${chosen}${rest || ""}`);
    });
  }
}
