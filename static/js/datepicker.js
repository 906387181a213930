/* A small date picker for the office's DD-MM-YYYY text inputs (input[data-date-picker],
   rendered by forms.i18n.DateText), with Indonesian names; no dependency, no CDN.

   Typing stays the first way in: "17-08-1990", "17/08/1990", "17.08.1990" and
   "17081990" all become 17-08-1990 when the field is left. The button next to the
   field (or Alt+Down in it) opens a calendar: arrows move by a day or a week,
   PageUp/PageDown by a month, Enter or Space takes the day, Esc closes. */
(function () {
  "use strict";

  var NAMES = {
    id: {
      months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
               "September", "Oktober", "November", "Desember"],
      days: ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"],
      open: "Pilih tanggal", prev: "Bulan sebelumnya", next: "Bulan berikutnya",
      month: "Bulan", year: "Tahun", close: "Tutup", until: "s/d"
    },
    en: {
      months: ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"],
      days: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
      open: "Choose a date", prev: "Previous month", next: "Next month",
      month: "Month", year: "Year", close: "Close", until: "to"
    }
  };
  var lang = (document.documentElement.getAttribute("lang") || "id").slice(0, 2);
  var T = NAMES[lang] || NAMES.id;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function format(d) {
    return pad(d.getDate()) + "-" + pad(d.getMonth() + 1) + "-" + d.getFullYear();
  }

  // DD-MM-YYYY (or with / or .), DDMMYYYY, or ISO YYYY-MM-DD; null if no such day.
  function parse(text) {
    var s = (text || "").trim();
    var m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s) || /^(\d{2})(\d{2})(\d{4})$/.exec(s);
    var day, month, year;
    if (m) {
      day = +m[1]; month = +m[2]; year = +m[3];
    } else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s))) {
      day = +m[3]; month = +m[2]; year = +m[1];
    } else {
      return null;
    }
    var d = new Date(year, month - 1, day);
    if (d.getFullYear() !== year || d.getMonth() !== month - 1 || d.getDate() !== day) {
      return null;
    }
    return d;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  var open = null; // {input, popup, shown: Date (first of month), focus: Date}

  function close(refocus) {
    if (!open) {
      return;
    }
    var input = open.input;
    open.popup.remove();
    open.button.setAttribute("aria-expanded", "false");
    open = null;
    if (refocus) {
      input.focus();
    }
  }

  function choose(d) {
    var input = open.input;
    input.value = format(d);
    input.dispatchEvent(new Event("change", { bubbles: true }));
    close(true);
  }

  function draw() {
    var state = open;
    var popup = state.popup;
    popup.textContent = "";
    var head = el("div", "datepicker-head");
    var prev = el("button", "btn btn-sm btn-light", "\u2039");
    prev.type = "button";
    prev.setAttribute("aria-label", T.prev);
    var next = el("button", "btn btn-sm btn-light", "\u203a");
    next.type = "button";
    next.setAttribute("aria-label", T.next);
    var month = el("select", "custom-select custom-select-sm");
    month.setAttribute("aria-label", T.month);
    T.months.forEach(function (name, i) {
      var o = el("option", null, name);
      o.value = String(i);
      o.selected = i === state.focus.getMonth();
      month.appendChild(o);
    });
    var year = el("select", "custom-select custom-select-sm");
    year.setAttribute("aria-label", T.year);
    var thisYear = new Date().getFullYear();
    for (var y = thisYear + 5; y >= 1900; y--) {
      var o = el("option", null, String(y));
      o.value = String(y);
      o.selected = y === state.focus.getFullYear();
      year.appendChild(o);
    }
    head.appendChild(prev);
    head.appendChild(month);
    head.appendChild(year);
    head.appendChild(next);
    popup.appendChild(head);

    var grid = el("table", "datepicker-grid");
    grid.setAttribute("role", "grid");
    var tr = el("tr");
    T.days.forEach(function (name) {
      tr.appendChild(el("th", null, name));
    });
    var thead = el("thead");
    thead.appendChild(tr);
    grid.appendChild(thead);
    var tbody = el("tbody");
    var first = new Date(state.focus.getFullYear(), state.focus.getMonth(), 1);
    var offset = (first.getDay() + 6) % 7; // weeks start on Monday (Senin)
    var day = new Date(first.getFullYear(), first.getMonth(), 1 - offset);
    var selected = parse(state.input.value);
    var today = new Date();
    var focusButton = null;
    for (var w = 0; w < 6; w++) {
      var row = el("tr");
      for (var i = 0; i < 7; i++) {
        var cell = el("td");
        var b = el("button", "datepicker-day", String(day.getDate()));
        b.type = "button";
        b.tabIndex = -1;
        b.setAttribute("data-date", format(day));
        b.setAttribute("aria-label", day.getDate() + " " + T.months[day.getMonth()] + " " +
                       day.getFullYear());
        if (day.getMonth() !== first.getMonth()) {
          b.className += " other-month";
        }
        if (selected && format(day) === format(selected)) {
          b.className += " selected";
          b.setAttribute("aria-selected", "true");
        }
        if (format(day) === format(today)) {
          b.className += " today";
        }
        if (format(day) === format(state.focus)) {
          b.tabIndex = 0;
          focusButton = b;
        }
        cell.appendChild(b);
        row.appendChild(cell);
        day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
      }
      tbody.appendChild(row);
    }
    grid.appendChild(tbody);
    popup.appendChild(grid);

    prev.addEventListener("click", function () { move(0, -1, "prev"); });
    next.addEventListener("click", function () { move(0, 1, "next"); });
    month.addEventListener("change", function () {
      setFocus(new Date(state.focus.getFullYear(), +month.value, 1), "month");
    });
    year.addEventListener("change", function () {
      setFocus(new Date(+year.value, state.focus.getMonth(), 1), "year");
    });
    grid.addEventListener("click", function (event) {
      var target = event.target.closest("button[data-date]");
      if (target) {
        choose(parse(target.getAttribute("data-date")));
      }
    });
    return focusButton;
  }

  // Keep the focus where it was (a header control) or on the day.
  function setFocus(date, keep) {
    open.focus = date;
    var dayButton = draw();
    if (keep === "month" || keep === "year") {
      open.popup.querySelectorAll("select")[keep === "month" ? 0 : 1].focus();
    } else if (keep === "prev" || keep === "next") {
      open.popup.querySelector("button[aria-label='" + T[keep] + "']").focus();
    } else if (dayButton) {
      dayButton.focus();
    }
  }

  function move(days, months, keep) {
    var f = open.focus;
    var target = new Date(f.getFullYear(), f.getMonth() + months, 1);
    var last = new Date(target.getFullYear(), target.getMonth() + 1, 0).getDate();
    var date = months
      ? new Date(target.getFullYear(), target.getMonth(), Math.min(f.getDate(), last))
      : new Date(f.getFullYear(), f.getMonth(), f.getDate() + days);
    setFocus(date, keep);
  }

  function show(input, button) {
    close(false);
    var popup = el("div", "datepicker");
    popup.setAttribute("role", "dialog");
    popup.setAttribute("aria-label", T.open);
    popup.setAttribute("data-testid", "datepicker");
    var start = parse(input.value) || new Date();
    open = { input: input, button: button, popup: popup, focus: start };
    button.setAttribute("aria-expanded", "true");
    input.closest(".datepicker-wrap").appendChild(popup);
    popup.addEventListener("keydown", function (event) {
      var onDay = event.target.matches && event.target.matches("button[data-date]");
      var handled = true;
      if (event.key === "Escape") {
        close(true);
      } else if (onDay && event.key === "ArrowLeft") {
        move(-1, 0);
      } else if (onDay && event.key === "ArrowRight") {
        move(1, 0);
      } else if (onDay && event.key === "ArrowUp") {
        move(-7, 0);
      } else if (onDay && event.key === "ArrowDown") {
        move(7, 0);
      } else if (event.key === "PageUp") {
        move(0, event.shiftKey ? -12 : -1);
      } else if (event.key === "PageDown") {
        move(0, event.shiftKey ? 12 : 1);
      } else if (onDay && (event.key === "Enter" || event.key === " ")) {
        choose(parse(event.target.getAttribute("data-date")));
      } else {
        handled = false;
      }
      if (handled) {
        event.preventDefault();
        event.stopPropagation();
      }
    });
    setFocus(start);
  }

  function enhance(input) {
    if (input.getAttribute("data-date-picker") === "done") {
      return;
    }
    input.setAttribute("data-date-picker", "done");
    var wrap = el("div", "input-group datepicker-wrap");
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var append = el("div", "input-group-append");
    var button = el("button", "btn btn-outline-secondary datepicker-open");
    button.type = "button";
    button.setAttribute("aria-label", T.open);
    button.setAttribute("title", T.open);
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("aria-expanded", "false");
    button.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">' +
      '<rect x="1.5" y="3" width="13" height="11.5" rx="1.5" fill="none" stroke="currentColor"/>' +
      '<path d="M1.5 6.5h13M5 1.5v3M11 1.5v3" stroke="currentColor"/></svg>';
    append.appendChild(button);
    wrap.appendChild(append);
    button.addEventListener("click", function () {
      if (open && open.input === input) {
        close(true);
      } else {
        show(input, button);
      }
    });
    input.addEventListener("keydown", function (event) {
      if (event.altKey && event.key === "ArrowDown") {
        event.preventDefault();
        show(input, button);
      }
    });
    // The office's form of what was typed, once the field is left.
    input.addEventListener("blur", function () {
      var d = parse(input.value);
      if (d && d.getFullYear() >= 1900) {
        input.value = format(d);
      }
    });
  }

  document.addEventListener("mousedown", function (event) {
    if (open && !open.popup.contains(event.target) && !open.button.contains(event.target)) {
      close(false);
    }
  });
  document.addEventListener("focusin", function (event) {
    if (open && !open.popup.contains(event.target) && event.target !== open.button &&
        event.target !== open.input) {
      close(false);
    }
  });

  // Flask-Admin's list filters: filters.js draws their inputs, at load and whenever a
  // filter is added or its operation changed. Which are dates is in the filters'
  // definition (admin/date_filters.py: type office-date / office-daterange).
  function filterTypes() {
    var data = document.getElementById("filter-groups-data");
    var types = {};
    if (!data) {
      return types;
    }
    try {
      var groups = JSON.parse(data.textContent);
      Object.keys(groups).forEach(function (name) {
        groups[name].forEach(function (f) {
          types[f.arg] = f.type;
        });
      });
    } catch (e) {
      return {};
    }
    return types;
  }

  function enhanceFilters(types) {
    var inputs = document.querySelectorAll("#filter_form input.filter-val");
    Array.prototype.forEach.call(inputs, function (input) {
      var type = types[(input.name || "").replace(/^flt\d+_/, "")];
      if (type === "office-date") {
        input.placeholder = "DD-MM-YYYY";
        input.setAttribute("inputmode", "numeric");
        input.setAttribute("autocomplete", "off");
        enhance(input);
      } else if (type === "office-daterange" && !input.placeholder) {
        input.placeholder = "DD-MM-YYYY " + T.until + " DD-MM-YYYY";
        input.setAttribute("autocomplete", "off");
      }
    });
  }

  function run() {
    Array.prototype.forEach.call(
      document.querySelectorAll("input[data-date-picker]:not([data-date-picker=done])"),
      enhance);
    var filters = document.getElementById("filter_form");
    var types = filterTypes();
    if (filters && Object.keys(types).length) {
      enhanceFilters(types);
      new MutationObserver(function () { enhanceFilters(types); })
        .observe(filters, { childList: true, subtree: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
