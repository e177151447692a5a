// ebbflow dashboard: reloads a page's live parts while it is visible; every page is complete without this script.
"use strict";
(function () {
  var sections = Array.prototype.slice.call(document.querySelectorAll("[data-refresh]"));
  var controls = document.querySelector(".live-controls");
  if (!sections.length || !controls) return;
  var toggle = controls.querySelector("[data-live-toggle]");
  var status = controls.querySelector("[data-live-status]");
  var paused = false;
  var failures = 0;
  var signedOut = false;
  controls.hidden = false;

  function say(text) { status.textContent = text; }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function stamp() {
    var d = new Date();
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }

  function refresh(section) {
    if (paused || signedOut || document.hidden) return Promise.resolve();
    var url = section.getAttribute("data-refresh");
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Ebbflow-Fragment": "1" } })
      .then(function (response) {
        if (response.status === 401) {
          signedOut = true;
          say("Signed out: reload the page to sign in again.");
          return;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) {
          section.innerHTML = html;
          failures = 0;
          say("Updated " + stamp());
        });
      })
      .catch(function () {
        failures += 1;
        say("Update failed; retrying.");
      });
  }

  function schedule(section) {
    var every = parseInt(section.getAttribute("data-every") || "10", 10);
    if (!(every >= 1)) every = 10;
    var wait = Math.min(60, every * Math.pow(2, Math.min(failures, 3)));
    window.setTimeout(function () {
      refresh(section).then(function () { schedule(section); });
    }, wait * 1000);
  }

  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    toggle.textContent = paused ? "Resume live updates" : "Pause live updates";
    say(paused ? "Live updates paused." : "Live updates resumed.");
  });
  sections.forEach(schedule);
})();
