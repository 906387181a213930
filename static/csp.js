/* The back-office runs under a CSP without 'unsafe-inline' for scripts: no inline
   event handlers and no javascript: links may run. This file gives Flask-Admin's
   few of them their behaviour back from a nonce'd script. */
(function () {
  "use strict";
  // javascript:void(0) links (dropdown toggles, the active tab, the current page):
  // nothing to navigate to, so never let the browser try (CSP would refuse it).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
    if (link) {
      event.preventDefault();
    }
  }, true);

  // List actions ("With selected"): templates/admin/actions.html renders data-action.
  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest("a[data-action]");
    if (!item) {
      return;
    }
    event.preventDefault();
    if (window.modelActions) {
      window.modelActions.execute(item.getAttribute("data-action"));
    }
  });
})();
