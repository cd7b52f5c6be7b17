// Starts the NHS.UK frontend components on every page (loaded as a module: no inline script).
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();
