/* PLN Hub reader: keyboard shortcuts on the timeline and the deck, and the deck's "N new".
 *
 * Loaded with the CSP nonce and `defer`; no inline handlers anywhere. The keys never make
 * requests of their own: f, s and m click the focused post's own buttons (data-action in
 * feeds/_item.html), so htmx posts them and swaps the post exactly as a click does.
 */
(function () {
  "use strict";

  var ITEM = "li.item";
  var ACTION_KEYS = { f: "favourite", s: "save", m: "toggle-read" };
  var restore = null; // {id, action}: where focus goes back after htmx swaps a post

  function closest(node, selector) {
    return node && node.closest ? node.closest(selector) : null;
  }

  function reducedMotion() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function currentItem() {
    return closest(document.activeElement, ITEM);
  }

  function focusItem(item) {
    item.tabIndex = -1;
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start", inline: "nearest", behavior: reducedMotion() ? "auto" : "smooth" });
  }

  function columns() {
    return Array.prototype.slice.call(document.querySelectorAll(".deck-column[id^='col-']"));
  }

  function currentColumn() {
    var column = closest(document.activeElement, ".deck-column");
    if (column) return column;
    // Otherwise the first column on screen (on a phone, the one snapped into view).
    var all = columns();
    for (var i = 0; i < all.length; i++) {
      var box = all[i].getBoundingClientRect();
      if (box.right > 0 && box.left >= -1 && box.left < window.innerWidth) return all[i];
    }
    return all[0] || null;
  }

  function itemsIn(scope) {
    return Array.prototype.slice.call((scope || document).querySelectorAll(ITEM));
  }

  // The first post whose bottom is below the sticky bar (or the column's top edge).
  function firstVisible(list) {
    var bar = document.querySelector(".topbar");
    var top = bar ? bar.getBoundingClientRect().bottom : 0;
    for (var i = 0; i < list.length; i++) {
      var scroller = closest(list[i], ".deck-scroll");
      var edge = scroller ? scroller.getBoundingClientRect().top : top;
      if (list[i].getBoundingClientRect().bottom > edge + 8) return list[i];
    }
    return list[0];
  }

  function move(step) {
    var current = currentItem();
    var scope = current ? closest(current, ".deck-column") : currentColumn();
    var list = itemsIn(scope);
    if (!list.length) return;
    if (!current) {
      focusItem(firstVisible(list));
      return;
    }
    var next = list[list.indexOf(current) + step];
    if (next) {
      focusItem(next);
    } else if (step > 0) {
      var more = (scope || document).querySelector(".load-more:not(.htmx-request)");
      if (more) more.click();
    }
  }

  function moveColumn(step) {
    var all = columns();
    var target = all[all.indexOf(currentColumn()) + step];
    if (!target) return;
    var list = itemsIn(target);
    if (list.length) {
      focusItem(firstVisible(list));
    } else {
      var link = target.querySelector(".deck-column-title a");
      if (link) link.focus();
      target.scrollIntoView({ inline: "nearest", block: "nearest" });
    }
  }

  function openOriginal() {
    var item = currentItem();
    if (item && item.dataset.url) window.open(item.dataset.url, "_blank", "noopener,noreferrer");
  }

  function act(action) {
    var item = currentItem();
    var button = item && item.querySelector('[data-action="' + action + '"]');
    if (!button) return;
    // A post swapped in a moment ago is wired by htmx only once it settles; wire it now, or
    // the click would submit the form as a plain page load. (Processing is idempotent.)
    if (window.htmx) window.htmx.process(item);
    button.click();
  }

  // Help dialog ------------------------------------------------------------------------------
  var opener = null;

  function toggleHelp() {
    var dialog = document.getElementById("shortcuts-help");
    if (!dialog) return;
    if (dialog.open) {
      dialog.close();
      return;
    }
    opener = document.activeElement;
    dialog.showModal();
  }

  function setUpHelp() {
    var dialog = document.getElementById("shortcuts-help");
    if (!dialog) return;
    dialog.addEventListener("close", function () {
      if (opener && document.contains(opener)) opener.focus({ preventScroll: true });
      opener = null;
    });
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", toggleHelp);
    });
  }

  // Keys -------------------------------------------------------------------------------------
  function typing(target) {
    return Boolean(
      closest(target, "input, textarea, select, [contenteditable]:not([contenteditable='false'])")
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var dialog = document.getElementById("shortcuts-help");
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (dialog && dialog.open) return; // Esc closes it natively
    var key = event.key;
    if (key === "j" || key === "k") move(key === "j" ? 1 : -1);
    else if (key === "h" || key === "l") moveColumn(key === "l" ? 1 : -1);
    else if (key === "o") openOriginal();
    else if (ACTION_KEYS[key]) act(ACTION_KEYS[key]);
    else return;
    event.preventDefault();
  });

  // Post actions across htmx swaps ----------------------------------------------------------
  // An action swaps the whole post (outerHTML): focus would fall to <body>. Remember whether
  // focus was in it (on the post, or on which button), and put it back on the new element.
  // On the deck one post can sit in several columns under one id, and hx-target="#item-N"
  // finds the first copy on the page: swap the copy acted on, then make the others match.
  var syncId = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches(ITEM)) return;
    var own = closest(event.detail.requestConfig && event.detail.requestConfig.elt, ITEM);
    if (own && own !== target && own.id === target.id) {
      target = own;
      event.detail.target = own; // htmx 2 swaps into whatever beforeSwap leaves here
    }
    syncId = target.id;
    var active = document.activeElement;
    if (target.contains(active)) {
      restore = { id: target.id, action: active === target ? null : active.getAttribute("data-action") };
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var fresh = event.target;
    if (!syncId || fresh.id !== syncId) return;
    syncId = null;
    document.querySelectorAll('[id="' + fresh.id + '"]').forEach(function (other) {
      if (other === fresh) return;
      var copy = fresh.cloneNode(true);
      copy.classList.toggle("is-new", other.classList.contains("is-new"));
      other.replaceWith(copy);
      window.htmx.process(copy);
    });
  });

  // afterSwap, not load: htmx fires load only after the settle delay, and a key pressed
  // in between would find no focused post.
  document.addEventListener("htmx:afterSwap", function (event) {
    var element = event.target;
    if (restore && element.id === restore.id) {
      var button = restore.action && element.querySelector('[data-action="' + restore.action + '"]');
      restore = null;
      if (button) {
        button.focus({ preventScroll: true });
      } else {
        element.tabIndex = -1;
        element.focus({ preventScroll: true });
      }
    }
    if (element.matches && element.matches(".deck-poll[data-new]")) arrived(element);
  });

  // Deck: the news a column's poller brought ------------------------------------------------
  function arrived(poller) {
    var count = parseInt(poller.dataset.new, 10) || 0;
    var node = poller.nextElementSibling;
    for (var seen = 0; node && seen < count; node = node.nextElementSibling) {
      if (node.matches(ITEM)) {
        node.classList.add("is-new");
        seen += 1;
      }
    }
    updateBadge(closest(poller, ".deck-column"));
  }

  function updateBadge(column, text) {
    var badge = column && column.querySelector("[data-deck-new]");
    if (!badge) return;
    var count = column.querySelectorAll(ITEM + ".is-new").length;
    badge.textContent = text || count + " new";
    badge.dataset.kind = text ? "note" : "news";
    badge.hidden = !text && count === 0;
  }

  document.addEventListener("focusin", function (event) {
    var item = closest(event.target, ITEM + ".is-new");
    if (!item) return;
    item.classList.remove("is-new");
    updateBadge(closest(item, ".deck-column"));
  });

  function setUpDeck() {
    columns().forEach(function (column) {
      var badge = column.querySelector("[data-deck-new]");
      var refresh = column.querySelector("[data-deck-refresh]");
      var scroller = column.querySelector(".deck-scroll");
      if (badge) {
        badge.addEventListener("click", function () {
          scroller.scrollTo({ top: 0, behavior: reducedMotion() ? "auto" : "smooth" });
          column.querySelectorAll(ITEM + ".is-new").forEach(function (item) {
            item.classList.remove("is-new");
          });
          updateBadge(column);
        });
      }
      if (refresh) {
        refresh.hidden = false;
        refresh.addEventListener("click", function () {
          var poller = column.querySelector(".deck-poll");
          if (!poller) return;
          column.dataset.checking = "true";
          window.htmx.trigger(poller, "deck:poll");
        });
      }
    });
    // A check asked for with the button that found nothing says so for a moment.
    document.addEventListener("htmx:afterRequest", function (event) {
      var poller = event.detail.elt;
      var column = closest(poller, ".deck-column");
      if (!column || !poller.matches(".deck-poll") || column.dataset.checking !== "true") return;
      delete column.dataset.checking;
      if (event.detail.xhr.status !== 204 || column.querySelector(ITEM + ".is-new")) return;
      updateBadge(column, "Up to date");
      window.setTimeout(function () {
        updateBadge(column);
      }, 2500);
    });
  }

  setUpHelp();
  setUpDeck();
})();
