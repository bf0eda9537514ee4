/* PLN Hub theme: System (no data-theme), Light or Dark, kept in localStorage.
 *
 * Loaded in <head> without defer, so data-theme is on <html> before the first paint (no
 * flash of the other theme); the switch in base.html is wired once the page is parsed.
 */
(function () {
  "use strict";

  var KEY = "pln-theme";
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (error) {
      return null; // storage off (privacy settings): the system theme it is
    }
  }

  function apply(theme) {
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    else root.removeAttribute("data-theme");
  }

  function save(theme) {
    try {
      if (theme === "light" || theme === "dark") window.localStorage.setItem(KEY, theme);
      else window.localStorage.removeItem(KEY);
    } catch (error) {
      // Not kept, but still applied to this page.
    }
  }

  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("theme-select");
    if (!select) return;
    select.value = root.getAttribute("data-theme") || "system";
    select.closest("[data-theme-switch]").hidden = false;
    select.addEventListener("change", function () {
      save(select.value);
      apply(select.value);
    });
    // Another tab changed it: follow.
    window.addEventListener("storage", function (event) {
      if (event.key !== KEY) return;
      apply(event.newValue);
      select.value = root.getAttribute("data-theme") || "system";
    });
  });
})();
