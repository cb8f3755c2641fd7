/*
 * When an htmx request fails, say so and keep what the person typed.
 *
 * htmx does not swap a 4xx/5xx answer (see "responseHandling" in base.html's htmx-config), so a
 * form stays as it was; without this file the person would see nothing happen at all. On a
 * failed answer (htmx:responseError), no answer (htmx:sendError) or a slow one (htmx:timeout)
 * a Norwegian message goes into an alert (role="alert") beside the element that asked: in a
 * form, just above its buttons. The next request from that element removes it. A 401 means the
 * session has run out (tromsvekst/lib/access.py answers htmx so instead of redirecting to login).
 *
 * A form whose htmx target is missing from the page (htmx:targetError) is posted the ordinary
 * way instead, as it would be without JavaScript.
 *
 * The texts come from #htmx-error-texts in base.html, so they are translated with the rest of
 * the portal. No inline script, no eval, no style attributes (strict CSP).
 */
(function () {
  "use strict";

  var shown = new WeakMap();

  function texts() {
    var holder = document.getElementById("htmx-error-texts");
    return holder ? holder.dataset : {};
  }

  function isForm(elt) {
    return elt instanceof HTMLFormElement;
  }

  function clear(elt) {
    var alert = shown.get(elt);
    if (alert) {
      alert.remove();
      shown.delete(elt);
    }
  }

  function message(kind, detail) {
    var t = texts();
    var verb = detail.requestConfig ? String(detail.requestConfig.verb).toLowerCase() : "get";
    var status = detail.xhr ? detail.xhr.status : 0;
    if (kind === "response" && status === 401) {
      return verb === "get" || !isForm(detail.elt) ? t.login : t.saveLogin;
    }
    if (verb === "get" || !isForm(detail.elt)) {
      return t.load || "";
    }
    if (kind === "response") {
      return status >= 500 ? t.saveServer : (t.saveClient || "").replace("{code}", String(status));
    }
    return kind === "timeout" ? t.saveTimeout : t.saveNetwork;
  }

  function show(kind, event) {
    var detail = event.detail || {};
    var elt = detail.elt || event.target;
    if (!(elt instanceof Element) || !elt.isConnected) {
      return;
    }
    clear(elt);
    var alert = document.createElement("div");
    alert.className = "ds-alert htmx-error";
    alert.setAttribute("data-color", "danger");
    alert.setAttribute("role", "alert");
    var paragraph = document.createElement("p");
    paragraph.className = "ds-paragraph";
    alert.appendChild(paragraph);
    var buttons = isForm(elt) ? elt.querySelector(".form-buttons") : null;
    if (buttons) {
      buttons.parentNode.insertBefore(alert, buttons);
    } else if (isForm(elt)) {
      elt.appendChild(alert);
    } else {
      elt.insertAdjacentElement("afterend", alert);
    }
    shown.set(elt, alert);
    var text = message(kind, detail);
    // The alert is in the page before its text arrives, so screen readers announce the text.
    window.setTimeout(function () {
      paragraph.textContent = text;
    }, 50);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    clear(event.detail.elt);
  });
  document.addEventListener("htmx:responseError", function (event) {
    show("response", event);
  });
  document.addEventListener("htmx:sendError", function (event) {
    show("network", event);
  });
  document.addEventListener("htmx:timeout", function (event) {
    show("timeout", event);
  });
  document.addEventListener("htmx:targetError", function (event) {
    var elt = event.detail.elt || event.target;
    if (isForm(elt) && elt.method.toLowerCase() === "post" && elt.action) {
      // submit() sends the form without a submit event, so htmx leaves it alone.
      elt.submit();
    }
  });
})();
