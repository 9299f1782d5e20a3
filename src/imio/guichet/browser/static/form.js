/* imio.guichet: the citizen's form (no build step, no dependency).
 *
 * - Conditional fields (data-guichet-show-if, see browser/a11y.py) are
 *   shown or hidden as the citizen answers; a hidden field's inputs are
 *   disabled (neither sent nor checked by the browser) and the field is
 *   marked hidden; the server enforces the conditions anyway.
 * - The error summary gets the focus when the page opens, and its links
 *   move the focus to the first input of their field.
 */
(function () {
  "use strict";

  function currentValues(form, name) {
    var values = [];
    var inputs = form.querySelectorAll("[name]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var inputName = input.name.replace(/:list$/, "");
      if (inputName !== name || input.type === "hidden") {
        continue;
      }
      if (input.type === "checkbox" && input.closest(".single-checkbox-bool-widget, .form-check") &&
          form.querySelectorAll('[name="' + input.name + '"][type="checkbox"]').length === 1 &&
          (input.value === "selected" || input.value === "true")) {
        values.push(input.checked ? "true" : "false");
      } else if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) {
          values.push(input.value);
        }
      } else if (input.tagName === "SELECT") {
        for (var j = 0; j < input.options.length; j++) {
          if (input.options[j].selected) {
            values.push(input.options[j].value);
          }
        }
      } else {
        values.push(input.value);
      }
    }
    // A field carried from another step is a hidden input.
    if (!values.length) {
      var hidden = form.querySelectorAll('input[type="hidden"]');
      for (var k = 0; k < hidden.length; k++) {
        if (hidden[k].name.replace(/:list$/, "") === name) {
          values.push(hidden[k].value === "selected" ? "true" : hidden[k].value);
        }
      }
    }
    return values;
  }

  function holds(form, rules) {
    return rules.every(function (rule) {
      var values = currentValues(form, rule.name);
      if (!values.length) {
        values = ["false"];  // an unticked checkbox
      }
      return values.some(function (value) {
        return rule.values.indexOf(value) !== -1;
      });
    });
  }

  function setShown(field, shown) {
    field.hidden = !shown;
    field.setAttribute("aria-hidden", shown ? "false" : "true");
    var controls = field.querySelectorAll("input, select, textarea");
    for (var i = 0; i < controls.length; i++) {
      controls[i].disabled = !shown;
    }
  }

  function update(form) {
    var fields = form.querySelectorAll("[data-guichet-show-if]");
    for (var i = 0; i < fields.length; i++) {
      var rules = JSON.parse(fields[i].getAttribute("data-guichet-show-if"));
      setShown(fields[i], holds(form, rules));
    }
  }

  function focusSummary() {
    var summary = document.getElementById("guichet-error-summary");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      var control = field && field.querySelector("input:not([type=hidden]), select, textarea");
      if (control) {
        event.preventDefault();
        field.scrollIntoView();
        control.focus();
      }
    });
  }

  function init() {
    var form = document.querySelector("form.guichet-submit-form");
    if (!form) {
      return;
    }
    var watched = form.querySelectorAll("[data-guichet-show-if]");
    if (watched.length) {
      form.addEventListener("change", function () { update(form); });
      form.addEventListener("input", function () { update(form); });
      update(form);
    }
    focusSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
