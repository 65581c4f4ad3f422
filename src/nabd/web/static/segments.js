// The segment form's condition rows: each row offers only what its field takes. The attribute
// name is asked for only when the field is a customer attribute, the operators listed are the
// field's own, and the value is asked for only when the operator needs one. Without
// JavaScript every input stays open and the server's checks name any mismatch.
(function () {
  "use strict";
  var table = document.querySelector("[data-field-operators]");
  if (!table) { return; }
  var operatorsOf = JSON.parse(table.dataset.fieldOperators);
  var valueless = ["exists", "never"];

  function fit(row) {
    var field = row.querySelector("select[name^=field-]");
    var key = row.querySelector("input[name^=key-]");
    var operator = row.querySelector("select[name^=operator-]");
    var value = row.querySelector("input[name^=value-]");
    var allowed = operatorsOf[field.value] || [];
    key.disabled = field.value !== "attribute";
    Array.prototype.forEach.call(operator.options, function (option) {
      var shown = option.value === "" || !field.value || allowed.indexOf(option.value) !== -1;
      option.hidden = !shown;
      option.disabled = !shown;
    });
    if (operator.selectedOptions.length && operator.selectedOptions[0].disabled) {
      operator.value = "";
    }
    value.disabled = valueless.indexOf(operator.value) !== -1;
  }

  table.querySelectorAll("tbody tr").forEach(function (row) {
    fit(row);
    row.addEventListener("change", function () { fit(row); });
  });
})();
