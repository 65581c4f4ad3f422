// Starts Swagger UI on the vendored bundle; a file, not an inline script, for the CSP.
(function () {
  var container = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: container.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
  });
})();
