/*
 * Video Help Desk widget. Add to any page:
 *   <script src="https://your-help-desk.example/widget.js" async></script>
 * It adds a "Video Assistance" button; clicking it opens the visitor view in a panel (an iframe allowed to
 * use camera, microphone and screen capture). Options as data attributes on the script tag:
 *   data-label="Talk to us"  data-position="left"
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__videoHelpDeskWidget) return;
  window.__videoHelpDeskWidget = true;
  var origin = new URL(script.src, location.href).origin;
  var label = script.getAttribute("data-label") || "Video Assistance";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-haspopup", "dialog");
  button.style.cssText =
    "position:fixed;bottom:20px;" +
    side +
    ":20px;z-index:2147483000;padding:12px 18px;border:0;border-radius:24px;" +
    "background:#2757d6;color:#fff;font:600 15px system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer";

  var panel = null;
  function open() {
    if (panel) return;
    panel = document.createElement("div");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", label);
    panel.style.cssText =
      "position:fixed;bottom:80px;" +
      side +
      ":20px;z-index:2147483001;width:min(420px,calc(100vw - 40px));" +
      "height:min(640px,calc(100vh - 100px));background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3)";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close video assistance");
    close.style.cssText = "position:absolute;top:6px;right:8px;border:0;background:transparent;font-size:22px;cursor:pointer";
    close.onclick = function () {
      panel.remove();
      panel = null;
    };
    var frame = document.createElement("iframe");
    frame.src = origin + "/visit";
    frame.title = label;
    frame.allow = "camera; microphone; display-capture; autoplay";
    frame.style.cssText = "border:0;width:100%;height:100%";
    panel.appendChild(frame);
    panel.appendChild(close);
    document.body.appendChild(panel);
  }
  button.onclick = open;
  function mount() {
    document.body.appendChild(button);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
