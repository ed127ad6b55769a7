// podium pages: sortable tables, collapsible facet lists, the exchange a link points to.
// Loaded as a file (the Content-Security-Policy allows no inline script).
"use strict";

function cellValue(cell, numeric) {
  const raw = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim();
  if (!numeric) return raw.toLowerCase();
  const n = parseFloat(String(raw).replace(/[,%\s]/g, ""));
  return Number.isNaN(n) ? -Infinity : n;
}

function makeSortable(table) {
  const heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
  heads.forEach((th, col) => {
    th.tabIndex = 0;
    th.title = th.title || "sort by this column";
    const sort = () => {
      const numeric = th.dataset.sort === "num" || th.classList.contains("n");
      const asc = th.getAttribute("aria-sort") === "descending" || (th.getAttribute("aria-sort") === null && !numeric);
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a.cells[col], numeric), y = cellValue(b.cells[col], numeric);
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach((r) => body.appendChild(r));
    };
    th.addEventListener("click", (ev) => { if (ev.target.closest("a")) return; sort(); });
    th.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sort(); } });
  });
}

function showTarget() {
  document.querySelectorAll(".exchange.targeted").forEach((el) => el.classList.remove("targeted"));
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id) return;
  const el = document.getElementById(id);
  if (el && el.classList.contains("exchange")) {
    el.classList.add("targeted");
    el.scrollIntoView({ block: "start" });
    el.focus({ preventScroll: true });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll(".facet-more").forEach((btn) => {
    const list = btn.previousElementSibling;
    const label = btn.textContent;
    btn.addEventListener("click", () => {
      list.classList.toggle("open");
      btn.textContent = list.classList.contains("open") ? "show fewer" : label;
    });
  });
  showTarget();
  window.addEventListener("hashchange", showTarget);
});
