// The user's display preference for chart text: <html data-digits="arabic|latin"
// data-calendar="hijri|gregorian"> (set by the server, already Latin/Gregorian on English
// pages). Charts call these to write numbers, months and days the way the page's own text
// does, so a chart never shows 2026 beside a table that says ٢٠٢٦.
(function () {
  "use strict";
  var root = document.documentElement;
  var lang = root.lang || "en";
  var arabicDigits = root.dataset.digits === "arabic";
  var hijri = root.dataset.calendar === "hijri";
  var numbering = arabicDigits ? "arab" : "latn";
  var MONTH = /^(\d{4})-(\d{2})$/;
  var DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(lang + "-u-nu-" + numbering, options);
    } catch (error) {
      return new Intl.DateTimeFormat(lang, options);
    }
  }

  var numbers = {};
  function number(value, decimals) {
    if (value === null || value === undefined || value === "") { return "—"; }
    var places = decimals === undefined ? 1 : decimals;
    var key = String(places);
    if (!numbers[key]) {
      numbers[key] = new Intl.NumberFormat(lang + "-u-nu-" + numbering, { maximumFractionDigits: places });
    }
    return numbers[key].format(Number(value));
  }

  var gregorianMonth = formatter({ calendar: "gregory", month: "short", year: "numeric", timeZone: "UTC" });
  var hijriMonth = formatter({ calendar: "islamic-umalqura", month: "long", timeZone: "UTC" });
  var hijriYear = formatter({ calendar: "islamic-umalqura", year: "numeric", timeZone: "UTC" });
  var gregorianDay = formatter({ calendar: "gregory", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  var hijriDay = formatter({ calendar: "islamic-umalqura", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

  // A Gregorian month spans two Hijri months: name both rather than pretend it is one.
  function hijriSpan(year, month) {
    var first = new Date(Date.UTC(year, month - 1, 1));
    var last = new Date(Date.UTC(year, month, 0));
    var from = hijriMonth.format(first), to = hijriMonth.format(last);
    var span = from === to ? from : from + " – " + to;
    return span + " " + hijriYear.format(last);
  }

  // "2026-11" → "نوفمبر ٢٠٢٦" (or "Nov 2026"); anything else is shown as it is.
  function month(key) {
    var parts = MONTH.exec(String(key));
    if (!parts) { return String(key); }
    return gregorianMonth.format(new Date(Date.UTC(+parts[1], +parts[2] - 1, 1)));
  }

  // The month for a tooltip, with its Hijri months when the user chose the Hijri calendar.
  function monthInFull(key) {
    var parts = MONTH.exec(String(key));
    if (!parts) { return String(key); }
    var label = month(key);
    return hijri ? label + " (" + hijriSpan(+parts[1], +parts[2]) + ")" : label;
  }

  // "2026-11-23" → the day in the user's calendar and digits.
  function day(iso) {
    var parts = DAY.exec(String(iso));
    if (!parts) { return String(iso); }
    var date = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
    return (hijri ? hijriDay : gregorianDay).format(date);
  }

  window.nabdDisplay = { number: number, month: month, monthInFull: monthInFull, day: day, hijri: hijri, arabicDigits: arabicDigits };
})();
