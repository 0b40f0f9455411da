/* The what-if page's own script (no inline script: the content security policy forbids it).
   Records JavaScript errors in #self-check for the browser test, keeps the what-if form from
   reloading the page, and draws the charts that arrive as JSON in data-figure attributes. */
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
document.addEventListener('submit', function (e) {
  if (e.target && e.target.id === 'whatif') { e.preventDefault(); }
});
function drawCharts(root) {
  if (!window.Plotly) { return; }
  root.querySelectorAll('[data-figure]').forEach(function (el) {
    try {
      var fig = JSON.parse(el.getAttribute('data-figure'));
      el.removeAttribute('data-figure');
      window.Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false, responsive: true});
      el.setAttribute('data-drawn', 'true');
    } catch (err) { window.__errors.push(String(err)); }
  });
}
document.addEventListener('htmx:afterSettle', function (e) { drawCharts(e.target); });
document.addEventListener('htmx:responseError', function (e) {
  window.__errors.push('HTTP ' + e.detail.xhr.status + ' ' + e.detail.pathInfo.requestPath);
});
setInterval(function () {
  var check = document.getElementById('self-check');
  if (check) {
    check.setAttribute('data-errors', String(window.__errors.length));
    check.textContent = window.__errors.join('\n');
  }
}, 500);
