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

function drawTrend(canvas, data) {
  const byLabel = data.series.map((s) => {
    const at = new Map(s.points.map((p) => [p.period, p]));
    return data.periods.map((period) => at.get(period) || null);
  });
  const datasets = data.series.map((s, i) => ({
    label: s.label,
    data: byLabel[i].map((p) => (p && p.share !== null ? +(100 * p.share).toFixed(2) : null)),
    counts: byLabel[i],
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    borderWidth: 2,
    pointRadius: data.periods.length > 60 ? 0 : 2,
    pointHoverRadius: 4,
    tension: 0.15,
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
              return `${ctx.dataset.label}: ${ctx.formattedValue}% (${p.briefings_matching} of ${p.briefings_held})`;
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
    const chart = drawTrend(canvas, data);
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
