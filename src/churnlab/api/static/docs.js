// churnlab API documentation (/docs): Swagger UI drawn over the app's own schema.
// Loaded after swagger-ui-bundle.js, which the app serves itself; nothing comes from outside.
"use strict";

(() => {
  const root = document.getElementById("swagger-ui");
  // The schema's address relative to the page (data-schema, "openapi.json"), so the page works
  // behind a proxy that serves the app under a prefix (a root_path).
  const schema = new URL(root.dataset.schema, document.baseURI).href;
  window.ui = SwaggerUIBundle({
    url: schema,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No online validator (a layout that shows its badge loads it from validator.swagger.io).
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
