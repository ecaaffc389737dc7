// Pick-lists of the list pages' filters: each <input data-suggest="KIND" list="ID"> fills its <datalist> from
// /api/suggest as the user types (the page's CSP allows scripts from this origin only; no inline script).
(function () {
  "use strict";
  var timers = new WeakMap();
  function fill(input) {
    var prefix = input.value.trim();
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || prefix.length < 2) { return; }
    var url = "/api/suggest?kind=" + encodeURIComponent(input.dataset.suggest) + "&prefix=" + encodeURIComponent(prefix);
    fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.ok ? response.json() : { items: [] };
    }).then(function (answer) {
      list.replaceChildren();
      (answer.items || []).forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        list.appendChild(option);
      });
    }).catch(function () { /* the server-side options stay */ });
  }
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timers.get(input));
      timers.set(input, setTimeout(function () { fill(input); }, 150));
    });
  });
}());
