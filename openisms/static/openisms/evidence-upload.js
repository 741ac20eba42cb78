/* Evidence form, progressive enhancement (the form works without this file):
 * - a drop zone next to the normal file input: dropping a file puts it in that input;
 * - the chosen file's name and size are shown, and a file over the limit is flagged at once
 *   (the server checks again);
 * - choosing or dropping a file selects the "file" kind;
 * - only the fields of the chosen kind (file, link or note) are shown.
 * Loaded from the page's <head> with "defer" (no inline script: strict CSP). */
(function () {
  "use strict";

  function humanSize(bytes) {
    var units = ["bytes", "KB", "MB", "GB"];
    var value = bytes;
    var i = 0;
    while (value >= 1024 && i < units.length - 1) {
      value /= 1024;
      i += 1;
    }
    return i === 0 ? value + " bytes" : value.toFixed(1) + " " + units[i];
  }

  function kindRadios(form) {
    return form.querySelectorAll('input[type="radio"][name="kind"]');
  }

  function currentKind(form) {
    var radios = kindRadios(form);
    for (var i = 0; i < radios.length; i += 1) {
      if (radios[i].checked) {
        return radios[i].value;
      }
    }
    return "";
  }

  function showKindFields(form) {
    var kind = currentKind(form);
    if (!kind) {
      return;
    }
    var parts = form.querySelectorAll("[data-kind]");
    for (var i = 0; i < parts.length; i += 1) {
      parts[i].hidden = parts[i].getAttribute("data-kind") !== kind;
    }
  }

  function selectFileKind(form) {
    var radios = kindRadios(form);
    for (var i = 0; i < radios.length; i += 1) {
      if (radios[i].value === "file" && !radios[i].disabled && !radios[i].checked) {
        radios[i].checked = true;
        showKindFields(form);
      }
    }
  }

  function enhance(wrapper) {
    var input = wrapper.querySelector('input[type="file"]');
    if (!input) {
      return;
    }
    var form = input.form;
    var maxBytes = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var maxText = input.getAttribute("data-max-text") || "";
    function text(name, fallback) {
      return wrapper.getAttribute("data-text-" + name) || fallback;
    }

    var zone = document.createElement("div");
    zone.className = "evidence-drop";
    zone.setAttribute("data-testid", "drop-zone");
    var prompt = document.createElement("p");
    prompt.className = "evidence-drop__prompt";
    prompt.textContent = text("prompt", "Drop a file here, or use the button above.");
    var status = document.createElement("p");
    status.className = "evidence-drop__status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    zone.appendChild(prompt);
    zone.appendChild(status);
    input.insertAdjacentElement("afterend", zone);

    function describe() {
      var file = input.files && input.files[0];
      zone.classList.remove("evidence-drop--refused");
      if (!file) {
        status.textContent = "";
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        zone.classList.add("evidence-drop--refused");
        status.textContent = file.name + " (" + humanSize(file.size) + ") " + text("too-large", "is larger than the limit of") + " " + maxText + ".";
        return;
      }
      status.textContent = text("chosen", "Chosen:") + " " + file.name + " (" + humanSize(file.size) + ")";
      var title = form && form.querySelector('input[name="title"]');
      if (title && !title.value) {
        title.placeholder = file.name;
      }
      if (form) {
        selectFileKind(form);
      }
    }

    input.addEventListener("change", describe);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("evidence-drop--over");
      });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("evidence-drop--over");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("evidence-drop--over");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) {
        return;
      }
      if (files.length > 1) {
        status.textContent = text("one", "Drop one file at a time.");
        return;
      }
      input.files = files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function init() {
    var wrappers = document.querySelectorAll("[data-evidence-drop]");
    for (var i = 0; i < wrappers.length; i += 1) {
      enhance(wrappers[i]);
    }
    var forms = document.querySelectorAll("form.evidence-form");
    for (var j = 0; j < forms.length; j += 1) {
      (function (form) {
        var radios = kindRadios(form);
        for (var k = 0; k < radios.length; k += 1) {
          radios[k].addEventListener("change", function () {
            showKindFields(form);
          });
        }
        showKindFields(form);
      })(forms[j]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
