// The trend chart: fetches the page's JSON twin and draws it with the bundled Chart.js.
"use strict";

const PALETTE = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d",
                 "#4d7c0f", "#475569", "#9333ea", "#0369a1"];

// a white background, so that the exported PNG is not transparent
const whiteBackground = {
  id: "whiteBackground",
  beforeDraw(chart) {
    const ctx = chart.canvas.getContext("2d");
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

// series: the ones this panel draws (at most data-per-panel; more series make small multiples, one panel each)
function drawTrend(canvas, data, series, minHeld) {
  const byLabel = series.map((s) => {
    const at = new Map(s.points.map((p) => [p.period, p]));
    return data.periods.map((period) => at.get(period) || null);
  });
  const few = (p) => p && p.briefings_held < minHeld;
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: byLabel[i].map((p) => (p && p.share !== null ? +(100 * p.share).toFixed(2) : null)),
    counts: byLabel[i],
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    borderWidth: 2,
    // a share resting on few press conferences: a hollow point, always drawn, so that it is not read as solid
    pointRadius: byLabel[i].map((p) => (few(p) ? 4 : data.periods.length > 60 ? 0 : 2)),
    pointBackgroundColor: byLabel[i].map((p) => (few(p) ? "#ffffff" : PALETTE[i % PALETTE.length])),
    pointHoverRadius: 5,
    tension: 0,  // straight lines between the points: a smoothed curve overshoots them
    cubicInterpolationMode: "default",
    spanGaps: false,
  }));
  return new window.Chart(canvas, {
    type: "line",
    data: { labels: data.periods, datasets },
    plugins: [whiteBackground],
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "% of briefings held" },
             ticks: { callback: (v) => v + "%" } },
        x: { title: { display: true, text: data.by }, ticks: { autoSkip: true, maxRotation: 0 } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 14, boxHeight: 3 } },
        tooltip: {
          callbacks: {
            label(ctx) {
              const p = ctx.dataset.counts[ctx.dataIndex];
              if (!p) return ctx.dataset.label + ": no briefing held";
              const note = p.briefings_held < minHeld ? " - few held" : "";
              return `${ctx.dataset.label}: ${ctx.formattedValue}% (${p.briefings_matching} of ${p.briefings_held}${note})`;
            },
          },
        },
      },
    },
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const canvas = document.getElementById("trend-chart");
  if (!canvas) return;
  const status = document.getElementById("chart-status");
  try {
    if (!window.Chart) throw new Error("the charting library did not load");
    const res = await fetch(canvas.dataset.src, { headers: { Accept: "application/json" } });
    const data = await res.json();
    if (!res.ok) throw new Error(data.message || res.statusText);
    const perPanel = Number(canvas.dataset.perPanel) || 5;
    const minHeld = Number(canvas.dataset.minHeld) || 5;
    const panels = [];
    for (let i = 0; i < data.series.length; i += perPanel) panels.push(data.series.slice(i, i + perPanel));
    const chart = drawTrend(canvas, data, panels[0] || [], minHeld);
    // small multiples: one more panel (same periods, same axes) for every further group of series
    const box = canvas.closest(".chart-box");
    panels.slice(1).forEach((group, k) => {
      const more = document.createElement("div");
      more.className = "chart-box chart-more";
      const c = document.createElement("canvas");
      c.setAttribute("role", "img");
      c.setAttribute("aria-label", "Trend chart, panel " + (k + 2));
      more.appendChild(c);
      box.parentNode.insertBefore(more, box.nextSibling && k === 0 ? box.nextSibling : null);
      drawTrend(c, data, group, minHeld);
    });
    status.hidden = true;
    canvas.dataset.rendered = "1";
    const png = document.getElementById("download-png");
    png.disabled = false;
    png.addEventListener("click", () => {
      const a = document.createElement("a");
      a.href = chart.toBase64Image("image/png", 1);
      a.download = "podium-trend.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  } catch (err) {
    status.textContent = "The chart could not be drawn: " + err.message;
    canvas.dataset.rendered = "error";
  }
});
