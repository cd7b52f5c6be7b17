/*
 * Planning grids that behave like a spreadsheet.
 *
 * Progressive enhancement for every `form[data-module="app-grid"]`: the server renders the grid,
 * parses what people typed and recomputes every total and derived cell on save, so the page works
 * without this module. With it:
 *
 * - totals (line formulas) and derived columns (column formulas) update as people type, following
 *   the same rules as the server (submissions/calculation.py, planning/formulas.py and
 *   submissions/checks.py `parse_cell`);
 * - a cell the server would reject gets `app-cell--invalid` (no error text: the server explains);
 * - values get thousands separators when a cell loses focus;
 * - arrow keys and Enter move between cells;
 * - a block copied from Excel is spread over the cells below and to the right;
 * - leaving the page with unsaved changes asks for confirmation.
 *
 * It is an ES module with no dependencies; nothing is ever eval-ed (the CSP forbids it anyway).
 * The pure parts (numbers, formulas, computation) are exported so they can be tested on their own.
 */

const GRID_SELECTOR = 'form[data-module="app-grid"]';
const CELL_SELECTOR = ".app-cell";
const INPUT_SELECTOR = "input.app-cell";
const INVALID_CLASS = "app-cell--invalid";
const SCROLL_CLASS = "app-grid-scroll";

/* ------------------------------------------------------------------------------------------------
 * Numbers people type
 * --------------------------------------------------------------------------------------------- */

// The same limits and syntax as submissions/checks.py, so a cell marked valid here is accepted on save.
const LIMIT = 1e12;
const MAX_DECIMAL_PLACES = 4;
// Also rules out NaN and Infinity, which Decimal would otherwise accept.
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Read what a person typed: '1,234', ' 1 234 ', '(1,234)', '£1,234', '2.5%'.
 * Returns {value, text, valid}: `value` is a number or null (blank or rejected), `text` the number
 * without separators as the server would keep it ('' when it is not a number at all), `valid` false
 * when the server would refuse the cell.
 */
export function parseCell(raw, { allowNegative = true } = {}) {
  const typed = String(raw ?? "").trim();
  if (!typed) return { value: null, text: "", valid: true };
  let cleaned = typed.replace(/[, \u00a0£]/g, "");
  if (cleaned.endsWith("%")) cleaned = cleaned.slice(0, -1);
  const brackets = cleaned.startsWith("(") && cleaned.endsWith(")");
  if (brackets) cleaned = cleaned.slice(1, -1);

  const match = NUMBER.exec(cleaned);
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = match || [];
  if (!match || !(whole || fraction)) {
    return { value: null, text: "", valid: false };
  }
  const negative = (sign === "-") !== brackets; // "(-1)" is 1 on the server too
  const text = canonicalNumber(negative, whole, fraction, Number(exponent));
  const value = Number(text);
  const decimals = fraction.length - Number(exponent);
  const valid =
    Math.abs(value) < LIMIT && decimals <= MAX_DECIMAL_PLACES && (allowNegative || !(value < 0));
  return { value: valid ? value : null, text, valid };
}

/** (true, '0012', '50', -1) -> '-1.25': the digits moved by the exponent, leading and trailing zeros dropped. */
function canonicalNumber(negative, whole, fraction, exponent) {
  if (!/[1-9]/.test(whole + fraction)) return "0";
  // Bounded: a value this far from 1 is out of range or has too many decimals anyway.
  const shift = Math.max(-40, Math.min(40, exponent));
  let digits = whole + fraction;
  let point = whole.length + shift;
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point, "0");
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0";
  // As the server shows a typed value (formatting.py, exact=True): '5.00' is 5 and '5.50' is 5.5.
  const decimals = digits.slice(point).replace(/0+$/, "");
  return `${negative ? "-" : ""}${integer}${decimals ? `.${decimals}` : ""}`;
}

/** '-1234.5' -> '-1,234.5' */
export function groupThousands(text) {
  const [integer, decimals] = text.split(".");
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return decimals === undefined ? grouped : `${grouped}.${decimals}`;
}

/** How a typed value is shown once the cell loses focus: the number as kept, with separators. */
export function formatTyped(raw) {
  const { text, valid } = parseCell(raw);
  // A rejected value stays as typed, so the person sees what the server's message is about.
  return text && valid ? groupThousands(text) : String(raw ?? "").trim();
}

/** How a computed value is shown: % to 1 dp, WTE to 2 dp, counts and £000 whole unless they have decimals. */
export function formatValue(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  if (unit === "%") return groupThousands(roundHalfUp(value, 1));
  if (unit === "WTE") return groupThousands(roundHalfUp(value, 2));
  return groupThousands(roundHalfUp(value, 0)); // counts and £000: whole numbers, as the server shows them
}

/**
 * Round half away from zero to `places` decimals, as a string. Going through 15 significant digits
 * first drops binary noise, so 1.005 rounds to 1.01 as it would in decimal arithmetic.
 */
function roundHalfUp(value, places) {
  const scaled = Number((Math.abs(value) * 10 ** places).toPrecision(15));
  const rounded = Math.round(scaled);
  const text = (rounded / 10 ** places).toFixed(places);
  return value < 0 && rounded !== 0 ? `-${text}` : text;
}

/* ------------------------------------------------------------------------------------------------
 * Formulas: numbers, names, + - * /, brackets, unary minus, abs() min() max()
 * --------------------------------------------------------------------------------------------- */

const FUNCTIONS = {
  abs: (x) => Math.abs(x),
  min: (...xs) => (xs.length ? Math.min(...xs) : null),
  max: (...xs) => (xs.length ? Math.max(...xs) : null),
};

const TOKEN = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)|(\S))/y;

function tokenise(source) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  let match;
  while (TOKEN.lastIndex < source.length && (match = TOKEN.exec(source))) {
    if (match[1] !== undefined) tokens.push({ type: "number", value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ type: "name", value: match[2] });
    else if (match[3] !== undefined) {
      if (!"+-*/(),".includes(match[3])) throw new SyntaxError(`Unexpected ${match[3]} in ${source}`);
      tokens.push({ type: match[3] });
    }
  }
  tokens.push({ type: "end" });
  return tokens;
}

/**
 * Parse a formula into {names, evaluate(lookup)}. `lookup(name)` gives a number or null; the result
 * is null when anything it needs is null or when it divides by zero, as in planning/formulas.py.
 */
export function parseFormula(source) {
  const tokens = tokenise(source);
  const names = [];
  let position = 0;

  const peek = () => tokens[position].type;
  const take = (type) => {
    if (peek() !== type) throw new SyntaxError(`Expected ${type} in ${source}`);
    return tokens[position++];
  };

  // expression := term (("+" | "-") term)*
  function expression() {
    let node = term();
    while (peek() === "+" || peek() === "-") {
      const op = tokens[position++].type;
      node = { op, left: node, right: term() };
    }
    return node;
  }

  // term := unary (("*" | "/") unary)*
  function term() {
    let node = unary();
    while (peek() === "*" || peek() === "/") {
      const op = tokens[position++].type;
      node = { op, left: node, right: unary() };
    }
    return node;
  }

  // unary := ("-" | "+") unary | primary
  function unary() {
    if (peek() === "-" || peek() === "+") {
      const op = tokens[position++].type;
      return { op: `unary${op}`, operand: unary() };
    }
    return primary();
  }

  // primary := number | name | function "(" arguments ")" | "(" expression ")"
  function primary() {
    const token = tokens[position];
    if (token.type === "number") {
      position++;
      return { op: "number", value: token.value };
    }
    if (token.type === "name") {
      position++;
      if (peek() === "(") return call(token.value);
      if (!names.includes(token.value)) names.push(token.value);
      return { op: "name", name: token.value };
    }
    take("(");
    const node = expression();
    take(")");
    return node;
  }

  function call(name) {
    if (!Object.hasOwn(FUNCTIONS, name)) throw new SyntaxError(`Unknown function ${name} in ${source}`);
    take("(");
    const args = [];
    if (peek() !== ")") {
      args.push(expression());
      while (peek() === ",") {
        position++;
        args.push(expression());
      }
    }
    take(")");
    return { op: "call", name, args };
  }

  const tree = expression();
  take("end");
  return { source, names, evaluate: (lookup) => evaluate(tree, lookup) };
}

function evaluate(node, lookup) {
  switch (node.op) {
    case "number":
      return node.value;
    case "name":
      return lookup(node.name) ?? null;
    case "unary-":
    case "unary+": {
      const value = evaluate(node.operand, lookup);
      if (value === null) return null;
      return node.op === "unary-" ? -value : value;
    }
    case "call": {
      const args = node.args.map((arg) => evaluate(arg, lookup));
      return args.includes(null) ? null : FUNCTIONS[node.name](...args);
    }
    default: {
      const left = evaluate(node.left, lookup);
      const right = evaluate(node.right, lookup);
      if (left === null || right === null) return null;
      if (node.op === "+") return left + right;
      if (node.op === "-") return left - right;
      if (node.op === "*") return left * right;
      return right === 0 ? null : left / right;
    }
  }
}

/* ------------------------------------------------------------------------------------------------
 * Computing a section, as TemplateGrid.compute does on the server
 * --------------------------------------------------------------------------------------------- */

export const cellKey = (line, column) => `${line}:${column}`;

/**
 * Parse a section's line and column formulas once: {lines: Map code -> formula|null, columns: ...,
 * summed: Set of the typed columns that total lines add up}. A column with `sums_lines: false` (a
 * rate such as last year's growth %) is typed on total lines too, as Column.sums_lines on the server.
 */
export function compileSection(section) {
  const compile = (items) =>
    new Map((items || []).map((item) => [item.code, item.formula ? parseFormula(item.formula) : null]));
  const summed = new Set(
    (section.columns || [])
      .filter((column) => !column.formula && column.sums_lines !== false && column.sum_lines !== false)
      .map((column) => column.code),
  );
  return { section, lines: compile(section.lines), columns: compile(section.columns), summed };
}

/** Whether a cell is computed (a total in a column totals add up, or a derived column) rather than typed. */
export function isComputedCell(compiled, line, column) {
  if (!compiled.columns.has(column) || !compiled.lines.has(line)) return false;
  return Boolean(compiled.columns.get(column) || (compiled.lines.get(line) && compiled.summed.has(column)));
}

/**
 * Every cell of a compiled section: `typed(line, column)` gives what was typed (number or null).
 * Returns a Map cellKey -> number|null. First the totals of each typed column (totals may use totals),
 * then the derived columns of every line (derived columns may use derived columns).
 */
export function computeSection(compiled, typed) {
  const values = new Map();
  const lineCodes = [...compiled.lines.keys()];
  const typedColumns = [...compiled.columns].filter(([, formula]) => !formula).map(([code]) => code);
  const derivedColumns = [...compiled.columns].filter(([, formula]) => formula).map(([code]) => code);

  for (const column of typedColumns) {
    const sums = compiled.summed.has(column);
    const lineValue = memoised((line, self) => {
      const formula = sums ? compiled.lines.get(line) : null;
      return formula ? evaluateBlankAsZero(formula, self) : typed(line, column);
    });
    for (const line of lineCodes) values.set(cellKey(line, column), lineValue(line));
  }
  for (const line of lineCodes) {
    const columnValue = memoised((column, self) => {
      const formula = compiled.columns.get(column);
      return formula ? evaluateBlankAsZero(formula, self) : values.get(cellKey(line, column)) ?? null;
    });
    for (const column of derivedColumns) values.set(cellKey(line, column), columnValue(column));
  }
  return values;
}

/** Memoise a recursive lookup; a reference back to itself (never valid) is blank, not a hang. */
function memoised(compute) {
  const memo = new Map();
  const self = (key) => {
    if (memo.has(key)) return memo.get(key);
    memo.set(key, null);
    const result = compute(key, self);
    memo.set(key, result);
    return result;
  };
  return self;
}

/** A blank counts as 0 when at least one of the cells a formula refers to has a value. */
function evaluateBlankAsZero(formula, lookup) {
  const parts = new Map(formula.names.map((name) => [name, lookup(name) ?? null]));
  if ([...parts.values()].every((value) => value === null)) return null;
  return formula.evaluate((name) => parts.get(name) ?? 0);
}

/* ------------------------------------------------------------------------------------------------
 * The page: one Grid per form
 * --------------------------------------------------------------------------------------------- */

const isEditable = (element) =>
  element instanceof HTMLInputElement && element.matches(INPUT_SELECTOR) && !element.readOnly && !element.disabled;

/** Forms with unsaved changes; the beforeunload listener only exists while there are some. */
const dirtyForms = new Set();

function warnBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = ""; // older browsers need it set to show the prompt
}

function setDirty(form, dirty) {
  const before = dirtyForms.size;
  if (dirty) {
    dirtyForms.add(form);
    form.dataset.dirty = "true";
  } else {
    dirtyForms.delete(form);
    delete form.dataset.dirty;
  }
  // Only listening while needed keeps a clean page eligible for the back/forward cache.
  if (!before && dirtyForms.size) window.addEventListener("beforeunload", warnBeforeLeaving);
  if (before && !dirtyForms.size) window.removeEventListener("beforeunload", warnBeforeLeaving);
}

class Grid {
  constructor(form) {
    this.form = form;
    this.sections = readDefinition(form);
    this.announcer = createAnnouncer(form);
    this.tables = [...form.querySelectorAll("table.app-grid")];
    this.tables.forEach(wrapInScrollContainer);

    const inputs = [...form.querySelectorAll(INPUT_SELECTOR)];
    inputs.forEach((input) => this.format(input));
    // What each cell held at page load, as a number where it is one, so '94810' equals '94,810'.
    this.initial = new Map(inputs.map((input) => [input, comparable(input.value)]));
    this.changed = new Set();

    if (!inputs.some(isEditable)) return; // a read-only return: formatting is all there is to do
    form.addEventListener("input", (event) => this.onInput(event));
    form.addEventListener("keydown", (event) => this.onKeydown(event));
    form.addEventListener("paste", (event) => this.onPaste(event));
    form.addEventListener("focusout", (event) => this.onFocusout(event));
    form.addEventListener("focusin", (event) => this.onFocusin(event));
    form.addEventListener("submit", () => setDirty(form, false));
  }

  /* Events ------------------------------------------------------------------------------------ */

  onInput(event) {
    const input = event.target;
    if (!isEditable(input)) return;
    this.recompute(input.closest("table"));
    this.trackChanges([input]);
  }

  onFocusout(event) {
    if (isEditable(event.target)) this.format(event.target);
  }

  onFocusin(event) {
    if (isEditable(event.target)) requestAnimationFrame(() => keepClearOfRowHeader(event.target));
  }

  onKeydown(event) {
    const input = event.target;
    if (!isEditable(input) || event.defaultPrevented || event.isComposing) return;
    if (event.key === "Enter") event.preventDefault(); // Enter in a cell must never submit the form
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    let target = null;
    if (event.key === "Enter") {
      target = verticalNeighbour(input, event.shiftKey ? -1 : 1);
    } else if (event.shiftKey) {
      return; // Shift+arrows extend the selection inside the cell
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      target = verticalNeighbour(input, event.key === "ArrowUp" ? -1 : 1);
    } else if (event.key === "ArrowLeft" && caretAtStart(input)) {
      target = horizontalNeighbour(input, -1);
    } else if (event.key === "ArrowRight" && caretAtEnd(input)) {
      target = horizontalNeighbour(input, 1);
    }
    if (!target) return;
    event.preventDefault();
    target.focus();
    target.select(); // typing then replaces the value, as in a spreadsheet
  }

  onPaste(event) {
    const input = event.target;
    if (!isEditable(input)) return;
    const text = event.clipboardData?.getData("text/plain") ?? "";
    if (!/[\t\r\n]/.test(text)) return; // one value: the browser pastes it into the cell
    event.preventDefault();

    const written = pasteBlock(input, splitBlock(text));
    written.forEach((cell) => this.format(cell));
    this.recompute(input.closest("table"));
    this.trackChanges(written);
    announce(this.announcer, `Pasted ${written.length} ${written.length === 1 ? "value" : "values"}`);
  }

  /* State ------------------------------------------------------------------------------------- */

  format(input) {
    const formatted = formatTyped(input.value);
    if (formatted !== input.value) input.value = formatted;
  }

  trackChanges(inputs) {
    for (const input of inputs) {
      if (comparable(input.value) === this.initial.get(input)) this.changed.delete(input);
      else this.changed.add(input);
    }
    setDirty(this.form, this.changed.size > 0);
  }

  /** Mark rejected cells and rewrite every total and derived cell of one table (section). */
  recompute(table) {
    const compiled = this.sections.get(table?.dataset.section);
    if (!compiled) return;
    const cells = cellsByKey(table);
    const columnsByCode = new Map((compiled.section.columns || []).map((column) => [column.code, column]));
    const linesByCode = new Map((compiled.section.lines || []).map((line) => [line.code, line]));

    const typed = (line, column) => {
      const cell = cells.get(cellKey(line, column));
      if (!cell) return null;
      if (!(cell instanceof HTMLInputElement)) return parseCell(cell.textContent).value;
      const allowNegative = allowsNegative(linesByCode.get(line), columnsByCode.get(column));
      const { value, valid } = parseCell(cell.value, { allowNegative });
      markValidity(cell, valid);
      return value;
    };
    const values = computeSection(compiled, typed);

    for (const [key, cell] of cells) {
      const { line, column } = cell.dataset;
      if (cell instanceof HTMLInputElement || !isComputedCell(compiled, line, column)) continue;
      const unit = cell.dataset.unit || columnsByCode.get(column)?.unit || linesByCode.get(line)?.unit;
      const text = formatValue(values.get(key), unit);
      if (cell.textContent !== text) cell.textContent = text;
    }
  }
}

/** {section code -> compiled section} from the form's grid-definition JSON. */
function readDefinition(form) {
  const script = form.querySelector('script[type="application/json"]#grid-definition');
  const sections = new Map();
  let definition;
  try {
    definition = JSON.parse(script?.textContent || "{}");
  } catch {
    console.warn("app-grid: grid-definition is not valid JSON; totals will update on save only");
    return sections;
  }
  for (const section of definition.sections || []) {
    try {
      sections.set(section.code, compileSection(section));
    } catch (error) {
      // Leave the server's figures alone rather than show wrong ones.
      console.warn(`app-grid: section ${section.code} will update on save only: ${error.message}`);
    }
  }
  return sections;
}

function cellsByKey(table) {
  const cells = new Map();
  for (const cell of table.querySelectorAll(CELL_SELECTOR)) {
    const { line, column } = cell.dataset;
    if (line && column) cells.set(cellKey(line, column), cell);
  }
  return cells;
}

/**
 * As the server: a negative is allowed when the line or the column allows it. A line that does not
 * say (the definition may leave it out) is taken to allow it: better no flag than a wrong one.
 */
function allowsNegative(line, column) {
  return Boolean(column?.allow_negative || (line?.allow_negative ?? true));
}

/** What counts as a change: the number if there is one, otherwise the text. */
function comparable(raw) {
  const { text, valid } = parseCell(raw);
  return text && valid ? text : String(raw ?? "").trim();
}

/**
 * Red border (via CSS) and aria-invalid, so screen readers hear it too. aria-invalid is left alone
 * on a cell the server marked as wrong: the server's message is still next to it.
 */
function markValidity(input, valid) {
  input.classList.toggle(INVALID_CLASS, !valid);
  if (!valid) input.setAttribute("aria-invalid", "true");
  else if (!input.classList.contains("nhsuk-input--error")) input.removeAttribute("aria-invalid");
}

/* Moving between cells ------------------------------------------------------------------------ */

function caretAtStart(input) {
  return (input.selectionStart === 0 && input.selectionEnd === 0) || fullySelected(input);
}

function caretAtEnd(input) {
  const end = input.value.length;
  return (input.selectionStart === end && input.selectionEnd === end) || fullySelected(input);
}

function fullySelected(input) {
  return input.selectionStart === 0 && input.selectionEnd === input.value.length;
}

/** Rows of a table's bodies, in order (total rows included: callers skip what they cannot use). */
function bodyRows(table) {
  return [...table.tBodies].flatMap((body) => [...body.rows]);
}

/** The nearest editable cell in the same column, `step` = -1 (up) or 1 (down). */
function verticalNeighbour(input, step) {
  const rows = bodyRows(input.closest("table"));
  const column = CSS.escape(input.dataset.column);
  for (let index = rows.indexOf(input.closest("tr")) + step; index >= 0 && index < rows.length; index += step) {
    const candidate = rows[index].querySelector(`input.app-cell[data-column="${column}"]`);
    if (isEditable(candidate)) return candidate;
  }
  return null;
}

/** The previous or next editable cell in the same row. */
function horizontalNeighbour(input, step) {
  const inputs = [...input.closest("tr").querySelectorAll(INPUT_SELECTOR)].filter(isEditable);
  return inputs[inputs.indexOf(input) + step] || null;
}

/** The sticky row header can cover a cell scrolled into view at the left edge: scroll it clear. */
function keepClearOfRowHeader(input) {
  const scroller = input.closest(`.${SCROLL_CLASS}`);
  const header = input.closest("tr")?.querySelector('th[scope="row"]');
  const cell = input.closest("td");
  if (!scroller || !header || !cell) return;
  const hidden = header.getBoundingClientRect().right - cell.getBoundingClientRect().left;
  if (hidden > 0) scroller.scrollLeft -= hidden;
}

/* Pasting from Excel -------------------------------------------------------------------------- */

/** Rows on newlines (a single trailing empty line is Excel's), cells on tabs. */
function splitBlock(text) {
  const rows = text.split(/\r?\n|\r/);
  if (rows.length > 1 && rows[rows.length - 1] === "") rows.pop();
  return rows.map((row) => row.split("\t"));
}

/** The table's data cells of a row, as shown (a hidden column is not a column of the block). */
function visibleCells(row) {
  return [...row.cells].filter((cell) => cell.tagName === "TD" && !cell.hidden && cell.getClientRects().length);
}

/**
 * Put `block` into the table from `input`'s cell: block columns map onto the row's columns and
 * block rows onto the table's rows in order, so a computed column or a total row takes a value of
 * the block and drops it, as copying the same layout from Excel would expect. Returns the inputs written.
 */
function pasteBlock(input, block) {
  const rows = bodyRows(input.closest("table"));
  const firstRow = rows.indexOf(input.closest("tr"));
  const firstColumn = visibleCells(input.closest("tr")).indexOf(input.closest("td"));
  const written = [];
  block.forEach((values, rowOffset) => {
    const row = rows[firstRow + rowOffset];
    if (!row) return;
    const cells = visibleCells(row);
    values.forEach((value, columnOffset) => {
      const target = cells[firstColumn + columnOffset]?.querySelector(INPUT_SELECTOR);
      if (!isEditable(target)) return;
      target.value = value.trim();
      written.push(target);
    });
  });
  return written;
}

/* Page furniture ------------------------------------------------------------------------------ */

function createAnnouncer(form) {
  const region = document.createElement("div");
  region.className = "nhsuk-u-visually-hidden";
  region.setAttribute("aria-live", "polite");
  region.dataset.gridAnnouncer = "";
  form.append(region);
  return region;
}

/** A new text node each time, so the same message twice is still announced twice. */
function announce(region, message) {
  region.replaceChildren(document.createTextNode(message));
}

/** A wide grid scrolls sideways in its own box (the server may already have rendered the box). */
function wrapInScrollContainer(table) {
  let scroller = table.parentElement;
  if (!scroller.classList.contains(SCROLL_CLASS)) {
    const focused = table.contains(document.activeElement) ? document.activeElement : null;
    scroller = document.createElement("div");
    scroller.className = SCROLL_CLASS;
    table.before(scroller);
    scroller.append(table);
    focused?.focus();
  }
  // Keyboard users must be able to scroll a box that has nothing focusable inside it.
  if (!scroller.hasAttribute("tabindex") && !table.querySelector("input:not([disabled]), button, a[href]")) {
    scroller.tabIndex = 0;
    scroller.setAttribute("role", "region");
    scroller.setAttribute("aria-label", table.caption?.textContent.trim() || "Planning figures");
  }
}

/* Start ------------------------------------------------------------------------------------------ */

const started = new WeakSet();

export function initAll(root = document) {
  for (const form of root.querySelectorAll(GRID_SELECTOR)) {
    if (started.has(form)) continue; // loading the module twice must not double every handler
    started.add(form);
    new Grid(form);
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => initAll());
  else initAll();
}
