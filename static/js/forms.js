/* Forms in the user's language, whatever the browser's.

   - No browser validation bubbles ("Please fill out this field" in the browser's
     language): every form is novalidate; the server answers next to the field.
   - File inputs: the browser draws "Choose File / No file chosen" in its own
     language. Each one gets a button and a file name in the page's language (the
     texts are on <body data-file-choose data-file-none data-files-chosen>); the real
     input stays on top of the button, transparent, so a click or Space/Enter on the
     focused input opens the file picker as before. */
(function () {
  "use strict";

  var body = document.body;
  var texts = {
    choose: body.getAttribute("data-file-choose") || "Pilih berkas",
    none: body.getAttribute("data-file-none") || "Belum ada berkas dipilih",
    many: body.getAttribute("data-files-chosen") || "%(n)s berkas dipilih"
  };

  function chosen(input) {
    var files = input.files || [];
    if (!files.length) {
      return texts.none;
    }
    if (files.length === 1) {
      return files[0].name;
    }
    return texts.many.replace("%(n)s", String(files.length));
  }

  function enhance(input) {
    if (input.getAttribute("data-file-picker") === "done") {
      return;
    }
    input.setAttribute("data-file-picker", "done");
    var picker = document.createElement("div");
    picker.className = "file-picker";
    var control = document.createElement("span");
    control.className = "file-picker-control";
    var button = document.createElement("span");
    button.className = "btn btn-outline-secondary file-picker-button";
    button.setAttribute("aria-hidden", "true");
    button.textContent = texts.choose;
    var name = document.createElement("span");
    name.className = "file-picker-name";
    name.setAttribute("aria-live", "polite");
    name.setAttribute("data-testid", "file-name-" + (input.name || input.id));
    name.textContent = chosen(input);
    input.parentNode.insertBefore(picker, input);
    control.appendChild(input);
    control.appendChild(button);
    picker.appendChild(control);
    picker.appendChild(name);
    input.classList.add("file-picker-input");
    input.addEventListener("change", function () {
      name.textContent = chosen(input);
    });
  }

  function run() {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      form.noValidate = true;
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
