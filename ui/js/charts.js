// Chart.js (vendored, ui/vendor/chart.js/, loaded by index.html as window.Chart) with the page's theme.
// Charts draw on a canvas: labels from the database are painted as text, never parsed as HTML. Every chart
// has a text alternative: its numbers are in a legend or a table next to it.

/** A custom property of the stylesheet (light or dark). */
export function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** The series colours, from the stylesheet (light and dark). */
export function palette() {
  return [1, 2, 3, 4, 5, 6, 7].map((i) => css(`--series-${i}`));
}

function base() {
  const Chart = window.Chart;
  Chart.defaults.color = css('--fg-muted');
  Chart.defaults.borderColor = css('--grid');
  Chart.defaults.font.family = css('--font');
  Chart.defaults.font.size = 12;
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: {
      legend: { display: false },
      tooltip: { enabled: true },
    },
  };
}

/** Bars: `labels` on the category axis, one or more series {label, data, color}. */
export function bars(canvas, { labels, series, horizontal = false, stacked = false }) {
  const options = base();
  options.indexAxis = horizontal ? 'y' : 'x';
  const valueAxis = { beginAtZero: true, stacked, ticks: { precision: 0 } };
  const categoryAxis = { stacked, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } };
  options.scales = horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
  options.plugins.legend.display = series.length > 1;
  return new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 3, maxBarThickness: 36 })),
    },
    options,
  });
}

/** Lines with filled areas (not stacked: each line is its own value). */
export function areas(canvas, { labels, series }) {
  const options = base();
  options.scales = {
    x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
    y: { beginAtZero: true, ticks: { precision: 0 } },
  };
  options.interaction = { mode: 'index', intersect: false };
  options.plugins.legend.display = true;
  return new window.Chart(canvas, {
    type: 'line',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label, data: s.data, borderColor: s.color, backgroundColor: `${s.color}33`, fill: true,
        pointRadius: 0, tension: 0.25, borderWidth: 2,
      })),
    },
    options,
  });
}

/** A doughnut; the legend is HTML next to it (with the numbers). */
export function doughnut(canvas, { labels, data, colors }) {
  const options = base();
  options.cutout = '60%';
  return new window.Chart(canvas, {
    type: 'doughnut',
    data: { labels, datasets: [{ data, backgroundColor: colors, borderColor: css('--card'), borderWidth: 2 }] },
    options,
  });
}
