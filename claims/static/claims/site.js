/* Progressive enhancement only: every page works without this file.
   - A link to a claim inside a closed <details> row opens that row.
   - The fact sheet gets "Open all" / "Close all" buttons. */
(function () {
  "use strict";

  function revealTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    target.scrollIntoView();
  }

  function addToggleAll() {
    var facts = document.querySelector(".facts");
    if (!facts) return;
    var bar = document.createElement("p");
    bar.className = "toggle-all";
    [["Open all rows", true], ["Close all rows", false]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = pair[0];
      button.addEventListener("click", function () {
        facts.querySelectorAll(":scope > li > details").forEach(function (d) { d.open = pair[1]; });
      });
      bar.appendChild(button);
    });
    facts.parentNode.insertBefore(bar, facts.previousElementSibling || facts);
  }

  document.addEventListener("DOMContentLoaded", function () {
    addToggleAll();
    revealTarget();
  });
  window.addEventListener("hashchange", revealTarget);
})();
