/* Keyboard-first counter work (no build step, no dependency).

   On arrival the page's first field takes the focus: the field the server marked
   (autofocus / data-autofocus), else the first field in error, else the first field
   of the first step form. The shortcuts, listed in the "?" overlay
   (templates/admin/office_base.html) and in the README ("Pintasan keyboard"), follow
   the set proposed for Django's admin (ticket #16521: "?" help, Alt+S save):

     ?       this list              /       the list's search field
     Alt+S   save / submit the form  Alt+N   next step
     Alt+Q   work queue             Alt+I   intake
     Esc     close this list

   Single keys never fire while typing in a field; the Alt combinations do. */
(function () {
  "use strict";

  var body = document.body;
  // Forms of the page's work, not the header's (logout, language) or list filters.
  var STEP_FORMS = "form.admin-form, form[data-testid$='-form'], form[data-testid^='step-']";
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled]), button:not([disabled]), a[href]";
  var NOT_TYPING = ["checkbox", "radio", "button", "submit", "reset", "file", "image"];

  function typing(el) {
    if (!el || el === body) {
      return false;
    }
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") {
      return true;
    }
    return el.tagName === "INPUT" && NOT_TYPING.indexOf((el.type || "").toLowerCase()) < 0;
  }

  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  // A select2-enhanced select is hidden: its visible box takes the focus.
  function focusable(el) {
    if (el.classList && el.classList.contains("select2-hidden-accessible")) {
      var box = el.nextElementSibling && el.nextElementSibling.querySelector(".select2-selection");
      return box || el;
    }
    return el;
  }

  function focusField(el) {
    if (!el) {
      return false;
    }
    el = focusable(el);
    el.focus();
    if (el.select && typing(el) && el.tagName === "INPUT") {
      el.select();
    }
    return document.activeElement === el;
  }

  function stepForms() {
    return Array.prototype.filter.call(document.querySelectorAll(STEP_FORMS), function (f) {
      return !f.closest("nav") && visible(f);
    });
  }

  function firstField(form) {
    var fields = form.querySelectorAll(FIELDS);
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (visible(el) || el.type === "file" ||
          el.classList.contains("select2-hidden-accessible")) {
        return el;
      }
    }
    return null;
  }

  function focusOnArrival() {
    var active = document.activeElement;
    if (active && active !== body && active !== document.documentElement) {
      return; // autofocus did its work
    }
    // Chromium applies autofocus only after this runs: do it here, first.
    var marked = document.querySelector("[autofocus], [data-autofocus]");
    if (marked && focusField(marked)) {
      return;
    }
    var invalid = document.querySelector("main .is-invalid, .container-fluid .is-invalid");
    if (invalid && !invalid.closest("nav") && focusField(invalid)) {
      return;
    }
    var forms = stepForms();
    if (forms.length) {
      focusField(firstEmptyField(forms[0]) || firstField(forms[0]));
    }
  }

  // A form that came filled in part (the NIK carried over from the intake): the
  // first field still to fill, as long as only filled text fields come before it.
  function firstEmptyField(form) {
    var fields = form.querySelectorAll(FIELDS);
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (!visible(el) || !typing(el) || el.tagName === "SELECT") {
        return null;
      }
      if (!el.value) {
        return el;
      }
    }
    return null;
  }

  function currentForm() {
    var active = document.activeElement;
    var form = active && active.closest ? active.closest("form") : null;
    if (form && !form.closest("nav") && form.method.toLowerCase() === "post") {
      return form;
    }
    return stepForms()[0] || null;
  }

  function submitForm() {
    var form = currentForm();
    if (!form) {
      return false;
    }
    // Clicking the form's own first submit button keeps its name (Flask-Admin's
    // "Save") and any confirmation it asks for.
    var button = form.querySelector("button[type=submit], input[type=submit], button:not([type])");
    if (button) {
      button.click();
    } else if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
    return true;
  }

  function nextStep() {
    var link = document.querySelector("[data-next-step]");
    if (link) {
      link.click();
      return true;
    }
    var forms = stepForms();
    if (!forms.length) {
      return false;
    }
    var active = document.activeElement;
    var here = active && active.closest ? forms.indexOf(active.closest("form")) : -1;
    var next = forms[(here + 1) % forms.length];
    return focusField(firstField(next));
  }

  // Alt+Q and Alt+I lead where the user's own menu leads; no menu entry, no jump.
  function goToMenu(url) {
    if (!url || !document.querySelector("nav a[href='" + url + "']")) {
      return false;
    }
    window.location.assign(url);
    return true;
  }

  function focusSearch() {
    var search = document.querySelector("[data-list-search], form input[name=search]");
    return search ? focusField(search) : false;
  }

  // The "?" overlay.
  var help = document.getElementById("shortcut-help");
  var returnFocus = null;

  function helpOpen() {
    return help && !help.hidden;
  }

  function showHelp() {
    if (!help) {
      return false;
    }
    returnFocus = document.activeElement;
    help.hidden = false;
    var close = help.querySelector("[data-shortcut-close]");
    if (close) {
      close.focus();
    }
    return true;
  }

  function hideHelp() {
    if (!helpOpen()) {
      return false;
    }
    help.hidden = true;
    if (returnFocus && returnFocus.focus) {
      returnFocus.focus();
    }
    return true;
  }

  var ALT = {
    KeyS: submitForm,
    KeyN: nextStep,
    KeyQ: function () { return goToMenu(body.getAttribute("data-queue-url")); },
    KeyI: function () { return goToMenu(body.getAttribute("data-intake-url")); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey) {
      return;
    }
    var done = false;
    if (event.altKey) {
      // event.code: the key, whatever the layout (Alt+S types "ß" on a Mac).
      var run = !event.shiftKey && ALT[event.code];
      done = run ? run() : false;
    } else if (event.key === "Escape") {
      done = hideHelp();
    } else if (helpOpen()) {
      if (event.key === "Tab") { // keep the focus inside the dialog
        event.preventDefault();
      }
      return;
    } else if (!typing(event.target)) {
      if (event.key === "?") {
        done = showHelp();
      } else if (event.key === "/") {
        done = focusSearch();
      }
    }
    if (done) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-shortcut-help]");
    if (opener) {
      event.preventDefault();
      showHelp();
    } else if (event.target.closest && (event.target.closest("[data-shortcut-close]") ||
               event.target === help)) {
      event.preventDefault();
      hideHelp();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOnArrival);
  } else {
    focusOnArrival();
  }
})();
