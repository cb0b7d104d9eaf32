// The API's documentation (Swagger UI, served from this origin: the pages' policy allows no
// CDN and no inline script). "Authorize" takes an API key as a bearer token.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
