/*
 * nabd survey widget: a small "Your opinion" button and panel on the company's own site that
 * opens one of its surveys, served by the nabd server that serves this file (no third party).
 *
 *   <script src="https://NABD_HOST/static/widget.js" data-survey="LINK_TOKEN" async></script>
 *
 * Optional: data-lang="ar|en" (default: the page's lang), data-title="…" (the panel's
 * question). Its own strings come from nabd's catalogue (/s/TOKEN/widget.json, in the
 * page's language); nothing is shown for an unknown link or a survey that is not open.
 * The survey opens in a small window of its own rather than a frame: the survey
 * page keeps its session and CSRF cookie first-party (SameSite=Lax), which a frame inside
 * another site would not get, and keeps refusing to be framed (no clickjacking).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var token = script && script.getAttribute("data-survey");
  if (!token || document.getElementById("nabd-survey-widget")) return;
  var pageLang = (script.getAttribute("data-lang") || document.documentElement.lang || "ar");
  var lang = pageLang.slice(0, 2).toLowerCase() === "en" ? "en" : "ar";
  var surveyUrl = new URL("/s/" + encodeURIComponent(token), script.src);
  surveyUrl.searchParams.set("lang", lang);
  var textUrl = new URL("/s/" + encodeURIComponent(token) + "/widget.json", script.src);
  textUrl.searchParams.set("lang", lang);
  var title = script.getAttribute("data-title");

  fetch(textUrl.href, {credentials: "omit"})
    .then(function (reply) { return reply.ok ? reply.json() : null; })
    .then(function (widget) { if (widget && widget.open) show(widget.text); })
    .catch(function () { /* nabd unreachable: show nothing */ });

  function show(strings) {
    if (document.getElementById("nabd-survey-widget")) return;
    var rtl = lang === "ar";
    var side = rtl ? "left" : "right";

    function element(tag, styles, text) {
      var node = document.createElement(tag);
      for (var name in styles) node.style[name] = styles[name];
      if (text) node.textContent = text;
      return node;
    }

    var root = element("div", {position: "fixed", bottom: "16px", zIndex: "2147483000",
      fontFamily: "system-ui, -apple-system, 'Segoe UI', Tahoma, sans-serif", fontSize: "15px"});
    root.style[side] = "16px";
    root.id = "nabd-survey-widget";
    root.dir = rtl ? "rtl" : "ltr";
    root.lang = lang;

    var button = element("button", {background: "#0d6efd", color: "#fff", border: "0",
      borderRadius: "999px", padding: "10px 18px", cursor: "pointer",
      boxShadow: "0 2px 8px rgba(0,0,0,.25)", font: "inherit"}, strings.button);
    button.type = "button";
    button.setAttribute("aria-expanded", "false");

    var panel = element("div", {display: "none", width: "280px", maxWidth: "calc(100vw - 32px)",
      background: "#fff", color: "#212529", borderRadius: "12px", padding: "16px",
      marginBottom: "8px", boxShadow: "0 4px 18px rgba(0,0,0,.2)"});
    panel.setAttribute("role", "dialog");
    var prompt = element("p", {margin: "0 0 12px"}, title || strings.prompt);
    prompt.dir = "auto";
    var start = element("a", {display: "inline-block", background: "#0d6efd", color: "#fff",
      borderRadius: "8px", padding: "8px 14px", textDecoration: "none"}, strings.start);
    start.href = surveyUrl.href;
    start.target = "_blank";
    start.rel = "noopener";
    var close = element("button", {background: "transparent", border: "0", color: "#6c757d",
      cursor: "pointer", font: "inherit", marginInlineStart: "12px"}, strings.close);
    close.type = "button";
    panel.appendChild(prompt);
    panel.appendChild(start);
    panel.appendChild(close);

    function toggle(open) {
      panel.style.display = open ? "block" : "none";
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { toggle(panel.style.display === "none"); });
    close.addEventListener("click", function () { toggle(false); });
    start.addEventListener("click", function (event) {
      // A phone-sized window beside the page; a new tab where pop-ups are refused.
      var opened = window.open(surveyUrl.href, "nabd-survey", "width=420,height=680");
      if (opened) {
        opened.opener = null;
        event.preventDefault();
      }
      toggle(false);
    });

    root.appendChild(panel);
    root.appendChild(button);
    (document.body || document.documentElement).appendChild(root);
  }
})();
