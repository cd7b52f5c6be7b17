// Starts the NHS.UK frontend components on every page (loaded as a module: no inline script).
// NHS.UK frontend expects an inline snippet to mark the body as supported; the Content Security
// Policy forbids inline script, and a browser that runs this module supports it, so we do it here.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
