// The printable sheet of duty links: its print button.

document.querySelector("[data-print]").addEventListener("click", () => window.print());
