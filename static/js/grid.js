/*
 * Planning grids that behave like a spreadsheet.
 *
 * Progressive enhancement for every `form[data-module="app-grid"]`: the server renders the grid,
 * parses what people typed and recomputes every total and derived cell on save, so the page works
 * without this module. With it:
 *
 * - totals (line formulas) and derived columns (column formulas) update as people type, following
 *   the same rules as the server (submissions/returns/evaluation.py `TemplateGrid.compute` and
 *   `parse_cell`, planning/formulas.py, submissions/formatting.py): decimal arithmetic as Python's
 *   decimal module does it, the same blanks (planning/templates_data/README.md) and the same
 *   rounding, half up at the unit's precision, so a figure reads the same while typing as after saving;
 * - measures (a line whose formula names a cell, `total_income.budget`, or divides, a rate) update
 *   too, across sections and from another template's figures (`qipp:total.gross`), read from the
 *   `other_values` the server puts in the grid definition (the other returns' saved figures), so
 *   QIPP as % of allocation moves as the allocation is typed;
 * - a derived cell left blank says why, under it and in its aria-describedby ("Blank: no forecast
 *   outturn yet", "Blank: nothing to compare with"), as presenters.blank_hints renders it;
 * - the template's rules are checked as people type (evaluation.check_rules, both sides of each
 *   comparison rounded half up at the precision of the rule cell's unit) and each message is shown
 *   at its cell with the server's markup, and taken away when it no longer applies. Only the rules
 *   in the definition are checked here: one on another template's figures
 *   (`rules_left_to_server`) is the server's, and so is every message the server rendered for
 *   anything else; the server checks everything again on save, and its result is what counts;
 * - a cell the server would reject gets `app-cell--invalid` (no error text: the server explains);
 * - values get thousands separators when a cell loses focus;
 * - arrow keys and Enter move between cells; Shift+arrows, a mouse drag or Shift+click select a
 *   range (of every visible cell, calculated ones included);
 * - a block copied from Excel maps one to one onto the visible rows and columns from the selected
 *   cell: a value landing on a calculated cell is not typed in but checked against the figure
 *   once the rest is in, and marked at the cell when it differs; a message above the grid (said
 *   by a live region too) tells what was pasted, checked and left out, and the block stays
 *   highlighted until the next action;
 * - a range is copied (or cut) as tab-separated text, the shape Excel pastes, through the copy
 *   event's clipboardData (no clipboard permission needed); Ctrl+D fills down; Delete clears it;
 * - Ctrl+Z undoes and Ctrl+Y (or Ctrl+Shift+Z) redoes the last 100 steps: a paste, a fill, a
 *   clearing, or what was typed in a cell (one step when the cell is left or another key acts);
 * - the keyboard help (`[data-grid-help]`) shows once these keys work;
 * - leaving the page with unsaved changes asks for confirmation.
 *
 * It is an ES module with no dependencies; nothing is ever eval-ed (the CSP forbids it anyway).
 * The pure parts (numbers, formulas, computation, rules) are exported so they can be tested on
 * their own: `computeGrid(definition, typed)` computes, formats and explains a whole grid from what
 * people typed, `checkRules(definition, values)` gives the rules' messages, and
 * tests/browser/test_grid_arithmetic_matches_the_server.py checks both against the server's
 * evaluation with the shared tables in tests/evaluation_table.py.
 */

const GRID_SELECTOR = 'form[data-module="app-grid"]';
const CELL_SELECTOR = ".app-cell";
const INPUT_SELECTOR = "input.app-cell";
const INVALID_CLASS = "app-cell--invalid";
const SCROLL_CLASS = "app-grid-scroll";
const HINT_CLASS = "app-blank-hint";
const SERVER_ERROR_CLASS = "nhsuk-input--error";
const MESSAGE_CLASS = { error: "nhsuk-error-message", warning: "app-warning-message" };
const ANNOUNCE_AFTER_MS = 800;

/* ------------------------------------------------------------------------------------------------
 * Numbers people type
 * --------------------------------------------------------------------------------------------- */

// The same limits and syntax as evaluation.py `parse_cell`, so a cell marked valid here is accepted on save:
// at most 99,999,999,999.9999 either side of zero (15 significant digits, which both databases and
// a JavaScript number hold exactly).
const LIMIT = 1e11;
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

/** Decimal places a figure is shown and compared at, as planning/formulas.py `PLACES`. */
const PLACES = { "%": 1, WTE: 2 };

/**
 * How a computed value is shown, as submissions/formatting.py `format_value`: % to 1 place, WTE to
 * 2, counts and £000 whole, rounded half up (a half away from zero) on the decimal value, with
 * thousands separators and never "-0". `value` is a decimal (from this module's arithmetic), a
 * number or a numeric string; blank (null) shows as "".
 */
export function formatValue(value, unit) {
  const decimal = toDecimal(value);
  if (decimal === null) return "";
  return groupThousands(roundHalfUp(decimal, PLACES[unit] ?? 0));
}

/** A decimal rounded half up (away from zero) to `places` decimals, as a string: 8.75 -> '8.8'. */
function roundHalfUp(decimal, places) {
  let magnitude = decimal.coefficient < 0n ? -decimal.coefficient : decimal.coefficient;
  const drop = -places - decimal.exponent;
  if (drop > 0) {
    const divisor = 10n ** BigInt(drop);
    const remainder = magnitude % divisor;
    magnitude /= divisor;
    if (2n * remainder >= divisor) magnitude += 1n;
  } else if (drop < 0) {
    magnitude *= 10n ** BigInt(-drop);
  }
  const digits = magnitude.toString().padStart(places + 1, "0");
  const integer = digits.slice(0, digits.length - places);
  const text = places ? `${integer}.${digits.slice(digits.length - places)}` : integer;
  return decimal.coefficient < 0n && magnitude !== 0n ? `-${text}` : text;
}

/* ------------------------------------------------------------------------------------------------
 * Decimal arithmetic, as Python's decimal module with its default context: exact sums, differences
 * and products, everything rounded to 28 significant digits (half even), division correctly
 * rounded to 28 significant digits. A decimal is {coefficient: BigInt, exponent: number}, the
 * value coefficient * 10 ** exponent. Floats would give 8.749999999999998 where the server has 8.75.
 * --------------------------------------------------------------------------------------------- */

const PRECISION = 28;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

const decimal = (coefficient, exponent) => ({ coefficient, exponent });

/** A decimal from a number, a numeric string or a decimal; null for blank or anything else. */
export function toDecimal(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "object" && typeof value.coefficient === "bigint") return value;
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  // String(number) is the shortest text that reads back as the same number: 0.1 is '0.1'.
  const match = DECIMAL.exec(String(value).trim());
  if (!match || !(match[2] || match[3])) return null;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  const coefficient = BigInt(`${sign === "-" ? "-" : ""}${whole || ""}${fraction}` || "0");
  return rounded(decimal(coefficient, Number(exponent) - fraction.length));
}

/** Plain decimal text of a decimal, no exponent and no trailing zeros: '-1234.5'. */
export function decimalText(value) {
  const d = toDecimal(value);
  if (d === null) return null;
  const negative = d.coefficient < 0n;
  let digits = (negative ? -d.coefficient : d.coefficient).toString();
  let text;
  if (d.exponent >= 0) {
    text = digits === "0" ? "0" : digits + "0".repeat(d.exponent);
  } else {
    digits = digits.padStart(-d.exponent + 1, "0");
    const point = digits.length + d.exponent;
    const fraction = digits.slice(point).replace(/0+$/, "");
    text = fraction ? `${digits.slice(0, point)}.${fraction}` : digits.slice(0, point);
  }
  return negative && text !== "0" ? `-${text}` : text;
}

const digitCount = (n) => (n < 0n ? -n : n).toString().length;

/** Round to PRECISION significant digits, half even; `sticky` says digits beyond were dropped. */
function rounded(d, sticky = false) {
  const excess = digitCount(d.coefficient) - PRECISION;
  if (excess <= 0) return d;
  const divisor = 10n ** BigInt(excess);
  const negative = d.coefficient < 0n;
  const magnitude = negative ? -d.coefficient : d.coefficient;
  let quotient = magnitude / divisor;
  const twice = 2n * (magnitude % divisor);
  if (twice > divisor || (twice === divisor && (sticky || quotient % 2n === 1n))) quotient += 1n;
  return decimal(negative ? -quotient : quotient, d.exponent + excess);
}

function aligned(a, b) {
  const exponent = Math.min(a.exponent, b.exponent);
  return [
    a.coefficient * 10n ** BigInt(a.exponent - exponent),
    b.coefficient * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ];
}

const add = (a, b) => {
  const [x, y, exponent] = aligned(a, b);
  return rounded(decimal(x + y, exponent));
};
const negate = (a) => decimal(-a.coefficient, a.exponent);
const subtract = (a, b) => add(a, negate(b));
const multiply = (a, b) => rounded(decimal(a.coefficient * b.coefficient, a.exponent + b.exponent));
const compare = (a, b) => {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** a / b correctly rounded to PRECISION digits; null when b is zero (the server gives blank). */
function divide(a, b) {
  if (b.coefficient === 0n) return null;
  if (a.coefficient === 0n) return decimal(0n, 0);
  const negative = a.coefficient < 0n !== b.coefficient < 0n;
  const x = a.coefficient < 0n ? -a.coefficient : a.coefficient;
  const y = b.coefficient < 0n ? -b.coefficient : b.coefficient;
  // Enough digits for PRECISION and a rounding digit; the remainder is the sticky rest.
  const shift = Math.max(0, PRECISION + 2 + digitCount(y) - digitCount(x));
  const scaled = x * 10n ** BigInt(shift);
  const quotient = scaled / y;
  const sticky = scaled % y !== 0n;
  const result = decimal(negative ? -quotient : quotient, a.exponent - b.exponent - shift);
  return rounded(result, sticky);
}

/* ------------------------------------------------------------------------------------------------
 * Formulas, as planning/formulas.py: numbers, names (`a`, `line.column`, `template:line.column`),
 * + - * /, brackets, unary minus, abs() min() max() sum(), and for rules the comparisons
 * < <= > >= == != combined with and, or, not (Python's precedence: or < and < not < comparisons)
 * --------------------------------------------------------------------------------------------- */

const FUNCTIONS = {
  abs: (x) => (x.coefficient < 0n ? negate(x) : x),
  min: (...xs) => (xs.length ? xs.reduce((a, b) => (compare(b, a) < 0 ? b : a)) : null),
  max: (...xs) => (xs.length ? xs.reduce((a, b) => (compare(b, a) > 0 ? b : a)) : null),
  // Adds its arguments counting a blank as 0 (as Excel's SUM): a bridge column left empty.
  sum: (...xs) => xs.reduce((a, b) => add(a, b ?? ZERO), ZERO),
};
const BLANK_AS_ZERO = new Set(["sum"]);
const ZERO = decimal(0n, 0);
const ONE = decimal(1n, 0);

const TOKEN =
  /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*(?::[A-Za-z_]\w*)?(?:\.[A-Za-z_]\w*)?)|(<=|>=|==|!=|\S))/y;
const SYMBOLS = new Set(["+", "-", "*", "/", "(", ")", ",", "<", "<=", ">", ">=", "==", "!="]);
const COMPARISONS = new Set(["<", "<=", ">", ">=", "==", "!="]);
const KEYWORDS = new Set(["and", "or", "not"]);

function tokenise(source) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  let match;
  while (TOKEN.lastIndex < source.length && (match = TOKEN.exec(source))) {
    if (match[1] !== undefined) tokens.push({ type: "number", value: toDecimal(match[1]) });
    else if (match[2] !== undefined) {
      tokens.push(KEYWORDS.has(match[2]) ? { type: match[2] } : { type: "name", value: match[2] });
    } else if (match[3] !== undefined) {
      if (!SYMBOLS.has(match[3])) throw new SyntaxError(`Unexpected ${match[3]} in ${source}`);
      tokens.push({ type: match[3] });
    }
  }
  tokens.push({ type: "end" });
  return tokens;
}

/**
 * Parse a formula into {names, required, evaluate(lookup, {places})}. `lookup(name)` gives a
 * decimal, a number or null; the result is a decimal (true or false for a rule), or null when
 * anything it needs is null (except inside sum(), where a blank counts as 0) or when it divides by
 * zero, as in planning/formulas.py. `names` lists every name, `required` those outside sum(), the
 * ones whose blank makes the result blank. With `places`, both sides of every comparison are
 * rounded half up to that many decimals before they are compared, as `Formula.evaluate(places=)`.
 */
export function parseFormula(source) {
  const tokens = tokenise(source);
  const names = [];
  const required = [];
  let position = 0;
  let insideSum = 0;

  const peek = () => tokens[position].type;
  const take = (type) => {
    if (peek() !== type) throw new SyntaxError(`Expected ${type} in ${source}`);
    return tokens[position++];
  };

  // disjunction := conjunction ("or" conjunction)*
  function disjunction() {
    const values = [conjunction()];
    while (peek() === "or") {
      position++;
      values.push(conjunction());
    }
    return values.length === 1 ? values[0] : { op: "or", values };
  }

  // conjunction := inversion ("and" inversion)*
  function conjunction() {
    const values = [inversion()];
    while (peek() === "and") {
      position++;
      values.push(inversion());
    }
    return values.length === 1 ? values[0] : { op: "and", values };
  }

  // inversion := "not" inversion | comparison
  function inversion() {
    if (peek() === "not") {
      position++;
      return { op: "not", operand: inversion() };
    }
    return comparison();
  }

  // comparison := expression (("<" | "<=" | ">" | ">=" | "==" | "!=") expression)*, chained as in Python
  function comparison() {
    const first = expression();
    const rest = [];
    while (COMPARISONS.has(peek())) {
      const op = tokens[position++].type;
      rest.push([op, expression()]);
    }
    return rest.length ? { op: "compare", first, rest } : first;
  }

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

  // primary := number | name | function "(" arguments ")" | "(" disjunction ")"
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
      if (!insideSum && !required.includes(token.value)) required.push(token.value);
      return { op: "name", name: token.value };
    }
    take("(");
    const node = disjunction();
    take(")");
    return node;
  }

  function call(name) {
    if (!Object.hasOwn(FUNCTIONS, name)) throw new SyntaxError(`Unknown function ${name} in ${source}`);
    const blankAsZero = BLANK_AS_ZERO.has(name);
    if (blankAsZero) insideSum++;
    take("(");
    const args = [];
    if (peek() !== ")") {
      args.push(disjunction());
      while (peek() === ",") {
        position++;
        args.push(disjunction());
      }
    }
    take(")");
    if (blankAsZero) insideSum--;
    return { op: "call", name, args };
  }

  const tree = disjunction();
  take("end");
  return {
    source,
    names,
    required,
    evaluate: (lookup, { places = null } = {}) => evaluate(tree, lookup, places),
  };
}

/** A comparison's result used as a number, as Python does with True and False: 1 and 0. */
const asDecimal = (value) => (typeof value === "boolean" ? (value ? ONE : ZERO) : value);
const truthy = (value) => (typeof value === "boolean" ? value : value.coefficient !== 0n);

function evaluate(node, lookup, places) {
  switch (node.op) {
    case "number":
      return node.value;
    case "name":
      return toDecimal(lookup(node.name));
    case "unary-":
    case "unary+": {
      const value = evaluate(node.operand, lookup, places);
      if (value === null) return null;
      return node.op === "unary-" ? negate(asDecimal(value)) : value;
    }
    case "not": {
      const value = evaluate(node.operand, lookup, places);
      return value === null ? null : !truthy(value);
    }
    case "and":
    case "or": {
      // Every part is worked out, and a blank anywhere leaves the rule unapplied, as on the server.
      const values = node.values.map((value) => evaluate(value, lookup, places));
      if (values.includes(null)) return null;
      return node.op === "and" ? values.every(truthy) : values.some(truthy);
    }
    case "compare": {
      let left = side(node.first, lookup, places);
      for (const [op, comparator] of node.rest) {
        const right = side(comparator, lookup, places);
        if (left === null || right === null) return null;
        const order = compare(asDecimal(left), asDecimal(right));
        const holds = {
          "<": order < 0,
          "<=": order <= 0,
          ">": order > 0,
          ">=": order >= 0,
          "==": order === 0,
          "!=": order !== 0,
        }[op];
        if (!holds) return false;
        left = right;
      }
      return true;
    }
    case "call": {
      const args = node.args.map((arg) => evaluate(arg, lookup, places));
      if (BLANK_AS_ZERO.has(node.name)) {
        return FUNCTIONS[node.name](...args.filter((arg) => arg !== null).map(asDecimal));
      }
      return args.includes(null) ? null : FUNCTIONS[node.name](...args.map(asDecimal));
    }
    default: {
      const left = evaluate(node.left, lookup, places);
      const right = evaluate(node.right, lookup, places);
      if (left === null || right === null) return null;
      const [a, b] = [asDecimal(left), asDecimal(right)];
      if (node.op === "+") return add(a, b);
      if (node.op === "-") return subtract(a, b);
      if (node.op === "*") return multiply(a, b);
      return divide(a, b);
    }
  }
}

/** One side of a comparison, rounded half up to `places` when given (a true or false is left alone). */
function side(node, lookup, places) {
  const value = evaluate(node, lookup, places);
  if (places === null || value === null || typeof value === "boolean") return value;
  return toDecimal(roundHalfUp(value, places));
}

/* ------------------------------------------------------------------------------------------------
 * Computing a section, as TemplateGrid.compute does on the server
 * --------------------------------------------------------------------------------------------- */

export const cellKey = (line, column) => `${line}:${column}`;

/**
 * Parse a section's line and column formulas once: {lines: Map code -> formula|null, columns: ...,
 * summed: Set of the typed columns that total lines add up, madeFrom and needs: Map derived column
 * -> Set of the typed (or summed) columns it is made from and of those it cannot do without (not
 * inside sum()), through other derived columns}. A column with `sums_lines: false` (a rate such as
 * last year's growth %) is typed on total lines too, as Column.sums_lines on the server.
 */
export function compileSection(section) {
  const compile = (items) =>
    new Map((items || []).map((item) => [item.code, item.formula ? parseFormula(item.formula) : null]));
  const summed = new Set(
    (section.columns || [])
      .filter((column) => !column.formula && column.sums_lines !== false && column.sum_lines !== false)
      .map((column) => column.code),
  );
  const columns = compile(section.columns);
  const derived = [...columns].filter(([, formula]) => formula).map(([code]) => code);
  const bases = (names) => new Map(derived.map((code) => [code, baseColumns(columns, code, names)]));
  return {
    section,
    lines: compile(section.lines),
    columns,
    summed,
    madeFrom: bases((formula) => formula.names),
    needs: bases((formula) => formula.required),
  };
}

/** The columns without a formula that derived column `code` reaches through `names(formula)`. */
function baseColumns(columns, code, names, seen = new Set()) {
  const bases = new Set();
  for (const name of names(columns.get(code))) {
    if (columns.get(name)) {
      if (seen.has(name)) continue;
      seen.add(name);
      baseColumns(columns, name, names, seen).forEach((base) => bases.add(base));
    } else {
      bases.add(name);
    }
  }
  return bases;
}

/** Whether a cell is computed (a total in a column totals add up, or a derived column) rather than typed. */
export function isComputedCell(compiled, line, column) {
  if (!compiled.columns.has(column) || !compiled.lines.has(line)) return false;
  return Boolean(compiled.columns.get(column) || (compiled.lines.get(line) && compiled.summed.has(column)));
}

/** A name that points at one cell (`line.column`, `template:line.column`), as evaluation.is_cell_name. */
export const isCellName = (name) => name.includes(".") || name.includes(":");

/**
 * A line formula that names a cell or divides (a rate) is a measure, blank when any part it needs
 * is blank, not a total that counts a blank part as 0: as evaluation.is_measure.
 */
const isMeasure = (formula) => formula.source.includes("/") || formula.names.some(isCellName);

/**
 * Every cell of a compiled section: `typed(line, column)` gives what was typed (a decimal, number
 * or numeric string, or null). Returns a Map cellKey -> decimal|null. Each cell is computed once,
 * when first needed, as TemplateGrid.compute: a total line counts a blank part as 0 unless every
 * part is blank; a derived column is blank when any cell it is made from is blank; a line whose
 * formula names a cell (`total_income.budget`, `qipp:total.gross`) is a measure, blank when any
 * cell it is made from is blank. `external(name, column)` gives a cell this section does not hold
 * (another section's, or another template's): a decimal or null.
 */
export function computeSection(compiled, typed, external = () => null) {
  const at = sectionCells(compiled, typed, external);
  const values = new Map();
  for (const line of compiled.lines.keys()) {
    for (const column of compiled.columns.keys()) values.set(cellKey(line, column), at(line, column));
  }
  return values;
}

/** `at(line, column)`, the value of one cell of a section, computed (once) when first asked for. */
function sectionCells(compiled, typed, external) {
  const keys = new Map();
  const at = (line, column) => {
    if (!compiled.lines.has(line) || !compiled.columns.has(column)) return null;
    const key = cellKey(line, column);
    if (!keys.has(key)) keys.set(key, [line, column]);
    return cell(key);
  };
  const named = (name, column) => {
    if (name.includes(":")) return toDecimal(external(name, column));
    const dot = name.indexOf(".");
    const [line, other] = [name.slice(0, dot), name.slice(dot + 1)];
    if (compiled.lines.has(line)) return at(line, other);
    return toDecimal(external(name, column));
  };
  const cell = memoised((key) => {
    const [line, column] = keys.get(key);
    const columnFormula = compiled.columns.get(column);
    if (columnFormula) {
      return columnFormula.evaluate((name) => (isCellName(name) ? named(name, column) : at(line, name)));
    }
    const lineFormula = compiled.summed.has(column) ? compiled.lines.get(line) : null;
    if (!lineFormula) return toDecimal(typed(line, column));
    const lookup = (name) => (isCellName(name) ? named(name, column) : at(name, column));
    return isMeasure(lineFormula) ? lineFormula.evaluate(lookup) : evaluateBlankAsZero(lineFormula, lookup);
  });
  return at;
}

/**
 * The cells of a whole grid, section by section, each section computed once when first needed:
 * `typedIn(sectionCode)` gives that section's `typed(line, column)`. A name another section holds
 * (`total_income.budget` in a measure) is looked up there; another template's
 * (`qipp:total.gross`, or `qipp:total` for the same column) in `definition.other_values`, the
 * figures the page was given: {template code: {"line.column": decimal text}}.
 * Returns {values(sectionCode) -> Map cellKey -> decimal|null}.
 */
export function gridCells(definition, sections, typedIn) {
  const sectionOfLine = new Map();
  for (const [code, compiled] of sections) {
    for (const line of compiled.lines.keys()) sectionOfLine.set(line, code);
  }
  const others = definition.other_values || {};
  const external = (name, column) => {
    if (name.includes(":")) {
      const [template, rest] = [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)];
      const cellName = rest.includes(".") ? rest : `${rest}.${column}`;
      const values = Object.hasOwn(others, template) ? others[template] : null;
      return values && Object.hasOwn(values, cellName) ? values[cellName] : null;
    }
    const [line, other] = name.split(".", 2);
    const code = sectionOfLine.get(line);
    return code === undefined ? null : cellsOf(code)(line, other);
  };
  const cellsOf = memoised((code) => {
    const compiled = sections.get(code);
    return compiled ? sectionCells(compiled, typedIn(code), external) : () => null;
  });
  const values = (code) => {
    const compiled = sections.get(code);
    const at = cellsOf(code);
    const result = new Map();
    for (const line of compiled?.lines.keys() ?? []) {
      for (const column of compiled.columns.keys()) result.set(cellKey(line, column), at(line, column));
    }
    return result;
  };
  return { values };
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

/** A total line: blank when every part is blank, otherwise a blank part counts as 0. */
function evaluateBlankAsZero(formula, lookup) {
  const parts = new Map(formula.names.map((name) => [name, lookup(name) ?? null]));
  if ([...parts.values()].every((value) => value === null)) return null;
  return formula.evaluate((name) => parts.get(name) ?? ZERO);
}

/* ------------------------------------------------------------------------------------------------
 * Why a derived cell is blank, as presenters.blank_hints: a blank is not 0, and the page says so
 * --------------------------------------------------------------------------------------------- */

const NOTHING_TO_COMPARE_WITH = "Blank: nothing to compare with";

/** "Blank: no 2018/19 forecast outturn yet", "Blank: no A or B yet", as presenters.blank_hint_text. */
function blankHintText(missing) {
  if (!missing.length) return NOTHING_TO_COMPARE_WITH;
  const names = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} or ${missing.at(-1)}`;
  return `Blank: no ${names} yet`;
}

/**
 * The hint of a derived cell of `compiled`'s section on one line, `valueOf(column)` giving that
 * line's values (decimal or null): null unless the cell is derived and blank although something it
 * is made from has been given; then which figures it still needs ("Blank: no forecast outturn
 * yet") or, when it needs none, that it divides by zero or by a blank total ("Blank: nothing to
 * compare with"). A row nobody has started gets no hints.
 */
export function blankHint(compiled, column, valueOf) {
  if (!compiled.columns.get(column) || valueOf(column) !== null) return null;
  if ([...compiled.madeFrom.get(column)].every((base) => valueOf(base) === null)) return null;
  const needs = compiled.needs.get(column);
  const named = new Map((compiled.section.columns || []).map((c) => [c.code, c.in_sentence || c.label || c.code]));
  const missing = [...compiled.columns.keys()].filter((code) => needs.has(code) && valueOf(code) === null);
  return blankHintText(missing.map((code) => named.get(code)));
}

/* ------------------------------------------------------------------------------------------------
 * A whole grid and its rules, without a page
 * --------------------------------------------------------------------------------------------- */

/**
 * A whole grid, computed and shown, from a definition (presenters.grid_definition's shape:
 * {sections: [{code, columns: [{code, label, in_sentence, formula, unit, allow_negative,
 * sums_lines}], lines: [{code, label, formula, unit, allow_negative}]}], rules: [...]}) and
 * `typed`, {"line.column": what a person typed}. Returns {"line.column": {value, shown, computed,
 * valid, hint}} for every cell of every section: `value` the decimal as plain text (null when
 * blank), `shown` the text the page shows (a typed cell as typed with separators, a computed one
 * rounded at its unit's precision), `computed` whether it is a total or derived cell, `valid` false
 * where the server would refuse what was typed, `hint` why a derived cell is blank (or null). Pure:
 * no page needed.
 */
export function computeGrid(definition, typed) {
  const result = {};
  const sections = new Map();
  const parsed = new Map();
  const lines = new Map();
  const columns = new Map();
  for (const section of definition.sections || []) {
    sections.set(section.code, compileSection(section));
    for (const line of section.lines || []) lines.set(line.code, line);
    columns.set(section.code, new Map((section.columns || []).map((column) => [column.code, column])));
  }
  const typedIn = (code) => (line, column) => {
    const key = cellKey(line, column);
    if (!parsed.has(key)) {
      const raw = typed[`${line}.${column}`];
      const allowNegative = allowsNegative(lines.get(line), columns.get(code).get(column));
      parsed.set(key, parseCell(raw, { allowNegative }));
    }
    const { value, text } = parsed.get(key);
    return value === null ? null : text;
  };
  const cells = gridCells(definition, sections, typedIn);
  for (const section of definition.sections || []) {
    const compiled = sections.get(section.code);
    const values = cells.values(section.code);
    for (const line of compiled.lines.keys()) {
      const valueOf = (column) => values.get(cellKey(line, column)) ?? null;
      for (const [column, definitionColumn] of columns.get(section.code)) {
        const key = cellKey(line, column);
        const value = values.get(key) ?? null;
        const computed = isComputedCell(compiled, line, column);
        const unit = definitionColumn.unit || lines.get(line).unit;
        const raw = typed[`${line}.${column}`];
        result[`${line}.${column}`] = {
          value: decimalText(value),
          shown: computed ? formatValue(value, unit) : formatTyped(raw),
          computed,
          valid: computed || (parsed.get(key)?.valid ?? true),
          hint: blankHint(compiled, column, valueOf),
        };
      }
    }
  }
  return result;
}

/** Each definition's rules, parsed once: [{rule, formula}]; a rule that cannot be read is skipped. */
const compiledRules = new WeakMap();

function rulesOf(definition) {
  if (!compiledRules.has(definition)) {
    const rules = [];
    for (const rule of definition.rules || []) {
      try {
        rules.push({ rule, formula: parseFormula(rule.require) });
      } catch (error) {
        console.warn(`app-grid: rule ${rule.code} is checked on save only: ${error.message}`);
      }
    }
    compiledRules.set(definition, rules);
  }
  return compiledRules.get(definition);
}

/**
 * The messages of the definition's rules, as evaluation.check_rules gives them, from `values`,
 * {"line.column": decimal, number, numeric text or null} (every cell, typed and computed). Returns
 * [{severity, text, line, column, key, rule}] in the server's order: rule by rule, and line by
 * line for a rule checked on each line. A rule fails only when its comparison is false: one that
 * needs a blank cell, or divides by zero, is not applied. Both sides of every comparison are
 * rounded half up at the precision of the unit of the rule's cell (£000 whole, % 1 place, WTE 2),
 * so 0.5% of 600,050 (3,000.25) reads 3,000: a contingency of 3,000 passes and 2,999 warns. The
 * definition holds only the rules the browser can check: a rule looking at another template
 * (presenters.grid_definition's `rules_left_to_server`) is the server's alone.
 */
export function checkRules(definition, values) {
  const valueOf = (line, column) => toDecimal(values[`${line}.${column}`] ?? null);
  const sections = new Map((definition.sections || []).map((section) => [section.code, section]));
  const units = new Map();
  for (const section of sections.values()) {
    for (const line of section.lines || []) {
      for (const column of section.columns || []) units.set(`${line.code}.${column.code}`, column.unit || line.unit);
    }
  }
  const placesOf = (unit) => PLACES[unit] ?? 0;
  const messages = [];
  for (const { rule, formula } of rulesOf(definition)) {
    const message = (line, text) => ({
      severity: rule.severity,
      text,
      line,
      column: rule.each_line ? rule.cell : rule.cell.slice(rule.cell.indexOf(".") + 1),
      key: rule.each_line ? `${rule.code}:${line}` : rule.code,
      rule: rule.code,
    });
    if (rule.each_line) {
      const section = sections.get(rule.section);
      const column = (section?.columns || []).find((c) => c.code === rule.cell);
      if (!column) continue;
      for (const line of section.lines || []) {
        const places = placesOf(column.unit || line.unit);
        const ok = formula.evaluate((name) => valueOf(line.code, name), { places });
        if (ok === false) messages.push(message(line.code, `${line.label ?? line.code}: ${rule.message}`));
      }
    } else {
      const [line] = rule.cell.split(".", 1);
      const lookup = (name) => {
        if (name.includes(":")) return null; // another template's figure: the server's to check
        const dot = name.indexOf(".");
        return dot < 0 ? null : valueOf(name.slice(0, dot), name.slice(dot + 1));
      };
      const ok = formula.evaluate(lookup, { places: placesOf(units.get(rule.cell)) });
      if (ok === false) messages.push(message(line, rule.message));
    }
  }
  return messages;
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
    ({ definition: this.definition, sections: this.sections } = readDefinition(form));
    this.ruleCodes = new Set((this.definition.rules || []).map((rule) => rule.code));
    this.announcer = createAnnouncer(form);
    this.toAnnounce = new Map(); // message id -> text, said once typing pauses
    this.announceTimer = null;
    this.tables = [...form.querySelectorAll("table.app-grid")];
    this.tables.forEach(wrapInScrollContainer);

    const inputs = [...form.querySelectorAll(INPUT_SELECTOR)];
    inputs.forEach((input) => this.format(input));
    // What each cell held at page load, as a number where it is one, so '94810' equals '94,810'.
    this.initial = new Map(inputs.map((input) => [input, comparable(input.value)]));
    this.changed = new Set();

    if (!inputs.some(isEditable)) return; // a read-only return: formatting is all there is to do

    this.history = new History(UNDO_STEPS);
    this.editing = null; // {input, before}: the cell being typed in and what it held when focused
    this.selection = null; // {table, anchor: [row, column], extent: [row, column]}
    this.dragging = false;
    this.marked = new Set(); // <td>s highlighted as the last block pasted (or filled)
    this.mismatches = new Map(); // computed cell -> the value pasted on it, while they differ
    this.status = form.querySelector("[data-grid-status]") || createStatus(form);
    for (const help of form.querySelectorAll("[data-grid-help]")) help.hidden = false;

    form.addEventListener("input", (event) => this.onInput(event));
    form.addEventListener("keydown", (event) => this.onKeydown(event));
    form.addEventListener("paste", (event) => this.onPaste(event));
    form.addEventListener("copy", (event) => this.onCopy(event));
    form.addEventListener("cut", (event) => this.onCopy(event, { cut: true }));
    form.addEventListener("focusout", (event) => this.onFocusout(event));
    form.addEventListener("focusin", (event) => this.onFocusin(event));
    form.addEventListener("mousedown", (event) => this.onMousedown(event));
    form.addEventListener("mouseover", (event) => this.onMouseover(event));
    document.addEventListener("mouseup", () => (this.dragging = false));
    form.addEventListener("submit", () => setDirty(form, false));
  }

  /* Events ------------------------------------------------------------------------------------ */

  onInput(event) {
    const input = event.target;
    if (!isEditable(input)) return;
    this.unmark();
    // Typing over a range types in its first cell only, as in a spreadsheet: back to one cell.
    if (this.isRange()) this.select(this.selection.table, this.selection.anchor, this.selection.anchor);
    this.refresh();
    this.trackChanges([input]);
  }

  onFocusout(event) {
    if (!isEditable(event.target)) return;
    this.format(event.target);
    this.commitTyping();
    if (this.editing?.input === event.target) this.editing = null;
  }

  onFocusin(event) {
    const input = event.target;
    if (!isEditable(input)) return;
    this.editing = { input, before: input.value };
    requestAnimationFrame(() => keepClearOfHeadings(input));
    // Moving to a cell makes it the selection, unless it is the start of a mouse drag or Shift+click.
    const at = positionOf(input.closest("td"));
    const table = input.closest("table");
    if (at && !(this.selection?.table === table && same(this.selection.anchor, at))) {
      this.select(table, at, at);
    }
  }

  onKeydown(event) {
    const target = event.target;
    if (event.defaultPrevented || event.isComposing) return;
    const inScrollBox = target instanceof HTMLElement && target.classList.contains(SCROLL_CLASS);
    if (!isEditable(target) && !(inScrollBox && this.selection)) return;
    if (!MODIFIER_KEYS.has(event.key)) this.unmark();
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;

    if ((event.ctrlKey || event.metaKey) && !event.altKey) {
      const action = { z: event.shiftKey ? "redo" : "undo", y: "redo", d: "fillDown" }[key];
      if (!action) return; // Ctrl+C, Ctrl+V, Ctrl+X: the copy, paste and cut events
      event.preventDefault();
      this[action]();
      return;
    }
    if (this.isRange() && (key === "Delete" || key === "Backspace")) {
      event.preventDefault();
      this.clearRange();
      return;
    }
    if (this.isRange() && key === "Escape") {
      event.preventDefault();
      this.select(this.selection.table, this.selection.anchor, this.selection.anchor);
      return;
    }
    if (!isEditable(target)) return; // the rest moves between cells one can type in
    const input = target;
    if (key === "Enter") event.preventDefault(); // Enter in a cell must never submit the form
    if (event.altKey) return;

    if (event.shiftKey && ARROWS[key]) {
      // Shift+arrows select cells, as in a spreadsheet; across the text of a cell, they still
      // select characters until the caret reaches its edge.
      const [rows, columns] = ARROWS[key];
      const atEdge = rows || this.isRange() || (columns < 0 ? caretAtStart(input) : caretAtEnd(input));
      if (!atEdge) return;
      event.preventDefault();
      this.extendSelection(rows, columns);
      return;
    }
    let next = null;
    if (key === "Enter") {
      next = verticalNeighbour(input, event.shiftKey ? -1 : 1);
    } else if (event.shiftKey) {
      return;
    } else if (key === "ArrowUp" || key === "ArrowDown") {
      next = verticalNeighbour(input, key === "ArrowUp" ? -1 : 1);
    } else if (key === "ArrowLeft" && caretAtStart(input)) {
      next = horizontalNeighbour(input, -1);
    } else if (key === "ArrowRight" && caretAtEnd(input)) {
      next = horizontalNeighbour(input, 1);
    }
    if (ARROWS[key] && this.isRange()) {
      this.select(this.selection.table, this.selection.anchor, this.selection.anchor);
    }
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.select(); // typing then replaces the value, as in a spreadsheet
  }

  /** Mouse: press on a cell and drag to select a range; Shift+click extends the selection. */
  onMousedown(event) {
    const td = event.target.closest?.("td");
    const table = td?.closest("table.app-grid");
    if (event.button !== 0 || !table || !this.tables.includes(table)) return;
    if (event.target.closest("a, button")) return; // a query's link in the cell is just a link
    this.unmark();
    const at = positionOf(td);
    if (!at) return;
    if (event.shiftKey && this.selection?.table === table) {
      event.preventDefault(); // the focus stays on the first cell, as in a spreadsheet
      this.select(table, this.selection.anchor, at);
      return;
    }
    this.dragging = true;
    this.select(table, at, at);
    if (!isEditable(td.querySelector(CELL_SELECTOR))) {
      // A calculated cell cannot take the focus; its box does, so the keys still work.
      event.preventDefault();
      const scroller = table.closest(`.${SCROLL_CLASS}`);
      if (!table.contains(document.activeElement)) scroller?.focus({ preventScroll: true });
    }
  }

  onMouseover(event) {
    if (!this.dragging || !this.selection) return;
    const td = event.target.closest?.("td");
    if (td?.closest("table") !== this.selection.table) return;
    const at = positionOf(td);
    if (!at || same(at, this.selection.extent)) return;
    this.select(this.selection.table, this.selection.anchor, at);
    window.getSelection()?.removeAllRanges();
    const focused = document.activeElement;
    if (isEditable(focused) && this.isRange()) focused.setSelectionRange(focused.value.length, focused.value.length);
  }

  onPaste(event) {
    const target = event.target;
    const inScrollBox = target instanceof HTMLElement && target.classList.contains(SCROLL_CLASS);
    if (!isEditable(target) && !(inScrollBox && this.selection)) return;
    const text = event.clipboardData?.getData("text/plain") ?? "";
    const block = splitBlock(text);
    const single = block.length === 1 && block[0].length === 1;
    // One value typed into the middle of a cell's text is ordinary editing: the browser does it.
    if (single && !this.isRange() && isEditable(target) && target.value && !fullySelected(target)) return;
    event.preventDefault();
    const table = target.closest("table.app-grid");
    if (isEditable(target) && this.selection?.table !== table) {
      const at = positionOf(target.closest("td"));
      if (at) this.select(table, at, at);
    }
    if (this.selection) this.paste(block);
  }

  onCopy(event, { cut = false } = {}) {
    const target = event.target;
    const inScrollBox = target instanceof HTMLElement && target.classList.contains(SCROLL_CLASS);
    if (!this.selection || !(isEditable(target) || inScrollBox)) return;
    // Part of one cell's text selected: the browser copies that text.
    if (!this.isRange() && isEditable(target) && target.selectionStart !== target.selectionEnd) {
      if (!fullySelected(target)) return;
    }
    const { tds, rows, columns } = this.selectedBlock();
    event.clipboardData.setData("text/plain", toTabSeparated(tds));
    event.preventDefault();
    const shape = `${count(rows, "row")} × ${count(columns, "column")}`;
    if (!cut) {
      this.say(`Copied ${shape} as tab-separated values.`);
      return;
    }
    const cleared = this.change(
      tds.flat().map((td) => td.querySelector(CELL_SELECTOR)).filter(isEditable).map((input) => [input, ""]),
      `cut of ${shape}`,
    );
    this.say(`Cut ${shape}: ${count(cleared.length, "cell")} cleared.`);
  }

  /* Paste, fill, clear ----------------------------------------------------------------------- */

  /**
   * Put `block` (rows of values) into the grid from the top left cell of the selection: block
   * columns map one to one onto the visible columns and block rows onto the visible rows, computed
   * ones included. A value on a computed cell is not typed in but compared with the figure once
   * the rest of the block is in (at the precision the cell shows), and marked at the cell when it
   * differs. One value pasted on a range fills the range. One step to undo; a message says what
   * happened.
   */
  paste(block) {
    this.commitTyping();
    this.unmark();
    this.clearMismatches();
    const { table } = this.selection;
    const rect = this.rectangle();
    const layout = tableLayout(table);
    if (block.length === 1 && block[0].length === 1 && this.isRange()) {
      block = Array.from({ length: rect.bottom - rect.top + 1 }, () =>
        Array.from({ length: rect.right - rect.left + 1 }, () => block[0][0]),
      );
    }
    const report = { landed: 0, rows: 0, columns: 0, beyondRows: 0, beyondColumns: 0, locked: 0 };
    const writes = [];
    const checks = [];
    const landed = [];
    block.forEach((values, rowOffset) => {
      const cells = layout[rect.top + rowOffset];
      if (!cells) {
        report.beyondRows += values.length;
        return;
      }
      values.forEach((value, columnOffset) => {
        const td = cells[rect.left + columnOffset];
        if (!td) {
          report.beyondColumns += 1;
          return;
        }
        report.landed += 1;
        report.rows = Math.max(report.rows, rowOffset + 1);
        report.columns = Math.max(report.columns, columnOffset + 1);
        landed.push(td);
        const cell = td.querySelector(CELL_SELECTOR);
        if (isEditable(cell)) writes.push([cell, value.trim()]);
        else if (cell && !(cell instanceof HTMLInputElement)) checks.push([cell, value.trim()]);
        else report.locked += 1;
      });
    });
    const written = this.change(writes, `paste of ${count(report.landed, "value")}`);
    let differ = 0;
    for (const [cell, pasted] of checks) {
      if (differs(cell, pasted)) {
        differ += 1;
        this.flagMismatch(cell, pasted);
      }
    }
    this.mark(landed);
    this.say(pasteMessage({ ...report, calculated: checks.length, differ, invalid: written.filter(isInvalid).length }), table);
  }

  /** Ctrl+D: the top row of the selection copied down it (one row: the row above copied down). */
  fillDown() {
    if (!this.selection) return;
    this.commitTyping();
    const rect = this.rectangle();
    const layout = tableLayout(this.selection.table);
    const sourceRow = rect.top === rect.bottom ? rect.top - 1 : rect.top;
    const firstTarget = rect.top === rect.bottom ? rect.top : rect.top + 1;
    if (sourceRow < 0 || !layout[sourceRow]) {
      this.say("Nothing to fill down from: select a range of at least two rows, or a cell under another.");
      return;
    }
    const writes = [];
    const filled = [];
    let calculated = 0;
    for (let row = firstTarget; row <= rect.bottom; row++) {
      for (let column = rect.left; column <= rect.right; column++) {
        const td = layout[row]?.[column];
        const cell = td?.querySelector(CELL_SELECTOR);
        if (!td) continue;
        filled.push(td);
        if (isEditable(cell)) writes.push([cell, cellText(layout[sourceRow][column])]);
        else calculated += 1;
      }
    }
    const written = this.change(writes, "fill down");
    this.mark(filled);
    const left = calculated ? `; ${count(calculated, "calculated cell")} left to ${calculated === 1 ? "its" : "their"} calculation` : "";
    this.say(`Filled down ${count(written.length, "cell")} from the row above them${left}.`);
  }

  /** Delete or Backspace on a range: every cell of it one can type in is emptied, as one step. */
  clearRange() {
    this.commitTyping();
    const { tds } = this.selectedBlock();
    const inputs = tds.flat().map((td) => td.querySelector(CELL_SELECTOR)).filter(isEditable);
    const cleared = this.change(inputs.map((input) => [input, ""]), `clearing of ${count(inputs.length, "cell")}`);
    this.say(`Cleared ${count(cleared.length, "cell")}.`);
  }

  /* Undo and redo ---------------------------------------------------------------------------- */

  /**
   * Set several cells at once, as one step to undo: [[input, value], ...]. Returns the inputs
   * whose value changed. Totals, rules and the unsaved-changes warning follow.
   */
  change(writes, label) {
    const changes = [];
    for (const [input, value] of writes) {
      const before = input.value;
      input.value = value;
      this.format(input);
      if (input.value !== before) changes.push({ input, before, after: input.value });
    }
    if (!changes.length) return [];
    this.history.push({ label, changes });
    this.afterChange(changes.map((change) => change.input));
    return changes.map((change) => change.input);
  }

  /** What was typed in the focused cell since it was focused, as one step to undo. */
  commitTyping() {
    const editing = this.editing;
    if (!editing || !editing.input.isConnected) return;
    if (comparable(editing.input.value) !== comparable(editing.before)) {
      this.history.push({
        label: `typing in ${editing.input.getAttribute("aria-label") || "a cell"}`,
        changes: [{ input: editing.input, before: editing.before, after: editing.input.value }],
      });
    }
    editing.before = editing.input.value;
  }

  undo() {
    this.replay(this.history.undo.bind(this.history), "Undone", "Nothing to undo.");
  }

  redo() {
    this.replay(this.history.redo.bind(this.history), "Redone", "Nothing to redo.");
  }

  replay(step, done, nothing) {
    this.commitTyping();
    this.unmark();
    const entry = step();
    if (!entry) {
      this.say(nothing);
      return;
    }
    const undoing = done === "Undone";
    for (const { input, before, after } of entry.changes) input.value = undoing ? before : after;
    this.clearMismatches();
    const inputs = entry.changes.map((change) => change.input);
    this.afterChange(inputs);
    this.mark(inputs.map((input) => input.closest("td")));
    this.say(`${done}: ${entry.label}. ${this.history.summary()}`, inputs[0]?.closest("table"));
  }

  afterChange(inputs) {
    if (this.editing) this.editing.before = this.editing.input.value;
    this.refresh();
    this.trackChanges(inputs);
  }

  /* Selection ------------------------------------------------------------------------------- */

  select(table, anchor, extent) {
    this.selection = { table, anchor, extent };
    for (const td of this.form.querySelectorAll(`.${SELECTED_CLASS}`)) td.classList.remove(SELECTED_CLASS);
    if (!this.isRange()) return;
    const { tds, rows, columns } = this.selectedBlock();
    for (const td of tds.flat()) td.classList.add(SELECTED_CLASS);
    announce(this.announcer, `Selected ${count(rows, "row")} × ${count(columns, "column")}`);
  }

  isRange() {
    return Boolean(this.selection && !same(this.selection.anchor, this.selection.extent));
  }

  /** {top, bottom, left, right} of the selection, in visible rows and columns. */
  rectangle() {
    const { anchor, extent } = this.selection;
    return {
      top: Math.min(anchor[0], extent[0]),
      bottom: Math.max(anchor[0], extent[0]),
      left: Math.min(anchor[1], extent[1]),
      right: Math.max(anchor[1], extent[1]),
    };
  }

  /** {tds: rows of <td>s, rows, columns} of the selection. */
  selectedBlock() {
    const rect = this.rectangle();
    const layout = tableLayout(this.selection.table);
    const tds = [];
    for (let row = rect.top; row <= rect.bottom; row++) {
      tds.push((layout[row] || []).slice(rect.left, rect.right + 1));
    }
    return { tds, rows: tds.length, columns: rect.right - rect.left + 1 };
  }

  extendSelection(rows, columns) {
    const { table, anchor, extent } = this.selection;
    const layout = tableLayout(table);
    const row = Math.max(0, Math.min(layout.length - 1, extent[0] + rows));
    const column = Math.max(0, Math.min((layout[row]?.length ?? 1) - 1, extent[1] + columns));
    this.select(table, anchor, [row, column]);
    layout[row]?.[column]?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  /* What the page shows ----------------------------------------------------------------------- */

  /** The visible message near the grid, said by the live region too. */
  say(text, table = this.selection?.table) {
    const scroller = table?.closest(`.${SCROLL_CLASS}`);
    if (scroller && this.status.nextElementSibling !== scroller) {
      // Above the grid it is about (after its heading and description), so it is read before it.
      scroller.before(this.status);
    }
    this.status.hidden = false;
    const paragraph = this.status.querySelector("[data-grid-status-text]") || this.status;
    paragraph.textContent = text;
    announce(this.announcer, text);
  }

  /** Highlight the cells a paste, fill or undo changed, until the next action. */
  mark(tds) {
    for (const td of tds) {
      td.classList.add(PASTED_CLASS);
      this.marked.add(td);
    }
  }

  unmark() {
    for (const td of this.marked) td.classList.remove(PASTED_CLASS);
    this.marked.clear();
  }

  flagMismatch(cell, pasted) {
    this.mismatches.set(cell, pasted);
    const id = `${cell.id}-pasted`;
    let flag = document.getElementById(id);
    if (!flag) {
      flag = document.createElement("span");
      flag.className = MISMATCH_CLASS;
      flag.id = id;
      cell.after(flag);
      addDescription(cell, id);
    }
    flag.textContent = `Pasted ${formatTyped(pasted)}: differs from the calculation`;
    cell.closest("td")?.classList.add(`${MISMATCH_CLASS}-wrap`);
  }

  unflagMismatch(cell) {
    this.mismatches.delete(cell);
    const id = `${cell.id}-pasted`;
    document.getElementById(id)?.remove();
    removeDescription(cell, id);
    cell.closest("td")?.classList.remove(`${MISMATCH_CLASS}-wrap`);
  }

  clearMismatches() {
    for (const cell of [...(this.mismatches?.keys() ?? [])]) this.unflagMismatch(cell);
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

  /**
   * After a change: every table's totals, derived cells and blank hints, then the template's rules
   * over the whole return, each message at its cell. The server stays the judge: it checks again on
   * save, and its own messages (a cell it could not read, a rule it alone checks) stay until then.
   */
  refresh() {
    const cells = new Map(this.tables.map((table) => [table.dataset.section, cellsByKey(table)]));
    const grid = gridCells(this.definition, this.sections, (code) => this.typedIn(code, cells.get(code)));
    const values = {};
    for (const table of this.tables) Object.assign(values, this.recompute(table, grid, cells.get(table.dataset.section)));
    if (this.ruleCodes.size) this.showMessages(checkRules(this.definition, values));
    // A pasted value flagged on a calculated cell: the flag goes once the figures agree.
    for (const [cell, pasted] of this.mismatches ?? []) {
      if (!differs(cell, pasted)) this.unflagMismatch(cell);
    }
  }

  /** What was typed in a section's table, as the decimal text the server keeps (a float would lose digits). */
  typedIn(code, cells) {
    const compiled = this.sections.get(code);
    const columnsByCode = new Map((compiled?.section.columns || []).map((column) => [column.code, column]));
    const linesByCode = new Map((compiled?.section.lines || []).map((line) => [line.code, line]));
    return (line, column) => {
      const cell = cells?.get(cellKey(line, column));
      if (!cell) return null;
      if (!(cell instanceof HTMLInputElement)) {
        const { value, text } = parseCell(cell.textContent);
        return value === null ? null : text;
      }
      const allowNegative = allowsNegative(linesByCode.get(line), columnsByCode.get(column));
      const { value, text, valid } = parseCell(cell.value, { allowNegative });
      markValidity(cell, valid);
      return value === null ? null : text;
    };
  }

  /**
   * Mark rejected cells and rewrite every total, measure and derived cell of one table (section),
   * with the hint of each blank derived cell. Returns the section's values, {"line.column": decimal|null}.
   */
  recompute(table, grid, cells) {
    const compiled = this.sections.get(table?.dataset.section);
    if (!compiled) return {};
    const columnsByCode = new Map((compiled.section.columns || []).map((column) => [column.code, column]));
    const linesByCode = new Map((compiled.section.lines || []).map((line) => [line.code, line]));
    const values = grid.values(table.dataset.section);

    for (const [key, cell] of cells) {
      const { line, column } = cell.dataset;
      if (cell instanceof HTMLInputElement || !isComputedCell(compiled, line, column)) continue;
      const unit = cell.dataset.unit || columnsByCode.get(column)?.unit || linesByCode.get(line)?.unit;
      const text = formatValue(values.get(key), unit);
      if (cell.textContent !== text) cell.textContent = text;
      const valueOf = (code) => values.get(cellKey(line, code)) ?? null;
      showHint(cell, blankHint(compiled, column, valueOf));
    }
    const result = {};
    for (const line of compiled.lines.keys()) {
      for (const column of compiled.columns.keys()) {
        result[`${line}.${column}`] = values.get(cellKey(line, column)) ?? null;
      }
    }
    return result;
  }

  /**
   * Put each rule's message at its cell, as the server would (an error before a warning, then in
   * rule order, one message a cell), and take away those that no longer apply. Only messages of
   * rules checked here are touched: a message the server rendered for anything else stays.
   */
  showMessages(messages) {
    const byCell = new Map();
    for (const message of [...messages.filter(isError), ...messages.filter((m) => !isError(m))]) {
      const key = cellKey(message.line, message.column);
      if (!byCell.has(key)) byCell.set(key, message);
    }
    for (const table of this.tables) {
      for (const [key, cell] of cellsByKey(table)) this.showMessage(cell, byCell.get(key) ?? null);
    }
    this.scheduleAnnouncement();
  }

  showMessage(cell, message) {
    const id = `${cell.id}-message`;
    const current = document.getElementById(id);
    if (current && !this.ruleCodes.has(current.dataset.rule)) return; // the server's, until it checks again
    if (current && message && current.textContent === messageText(message) && current.matches(`.${classOf(message)}`)) {
      return; // already shown
    }
    if (current) {
      current.remove();
      removeDescription(cell, id);
      cell.closest("td")?.classList.remove("app-cell-wrap--error", "app-cell-wrap--warning");
      if (cell instanceof HTMLInputElement && cell.classList.contains(SERVER_ERROR_CLASS)) {
        cell.classList.remove(SERVER_ERROR_CLASS);
        if (!cell.classList.contains(INVALID_CLASS)) cell.removeAttribute("aria-invalid");
      }
      this.toAnnounce.delete(id);
    }
    if (!message) return;
    const element = messageElement(id, message);
    const td = cell.closest("td");
    td?.prepend(element);
    td?.classList.add(`app-cell-wrap--${isError(message) ? "error" : "warning"}`);
    addDescription(cell, id, { first: true });
    if (isError(message) && cell instanceof HTMLInputElement) {
      cell.classList.add(SERVER_ERROR_CLASS);
      cell.setAttribute("aria-invalid", "true");
    }
    this.toAnnounce.set(id, element.textContent);
  }

  /** New messages are said (politely) once typing pauses, not at every keystroke. */
  scheduleAnnouncement() {
    clearTimeout(this.announceTimer);
    if (!this.toAnnounce.size) return;
    this.announceTimer = setTimeout(() => {
      const texts = [...this.toAnnounce.values()];
      this.toAnnounce.clear();
      if (texts.length) announce(this.announcer, texts.join(" "));
    }, ANNOUNCE_AFTER_MS);
  }
}

const isError = (message) => message.severity === "error";
const classOf = (message) => (isError(message) ? MESSAGE_CLASS.error : MESSAGE_CLASS.warning);

/** The text a message element reads: "Warning: " (visually hidden) and the message. */
const messageText = (message) => `${isError(message) ? "Error:" : "Warning:"} ${message.text}`;

/** The same markup as the server's message at a cell (templates/submissions/return_detail.html). */
function messageElement(id, message) {
  const element = document.createElement("span");
  element.className = classOf(message);
  element.id = id;
  element.dataset.rule = message.rule;
  const prefix = document.createElement("span");
  prefix.className = "nhsuk-u-visually-hidden";
  prefix.textContent = `${isError(message) ? "Error:" : "Warning:"} `;
  element.append(prefix, document.createTextNode(message.text));
  return element;
}

/** Show, change or take away the hint under a computed cell saying why it is blank. */
function showHint(cell, text) {
  const id = `${cell.id}-hint`;
  let hint = document.getElementById(id);
  if (!text) {
    if (hint) {
      hint.remove();
      removeDescription(cell, id);
    }
    return;
  }
  if (!hint) {
    hint = document.createElement("span");
    hint.className = HINT_CLASS;
    hint.id = id;
    cell.after(hint);
    addDescription(cell, id);
  }
  if (hint.textContent !== text) hint.textContent = text;
}

/** Add `id` to a cell's aria-describedby: first for a message, last for a hint, as the server does. */
function addDescription(cell, id, { first = false } = {}) {
  const ids = (cell.getAttribute("aria-describedby") || "").split(/\s+/).filter((token) => token && token !== id);
  cell.setAttribute("aria-describedby", (first ? [id, ...ids] : [...ids, id]).join(" "));
}

function removeDescription(cell, id) {
  const ids = (cell.getAttribute("aria-describedby") || "").split(/\s+/).filter((token) => token && token !== id);
  if (ids.length) cell.setAttribute("aria-describedby", ids.join(" "));
  else cell.removeAttribute("aria-describedby");
}

/** {definition, sections: section code -> compiled section} from the form's grid-definition JSON. */
function readDefinition(form) {
  const script = form.querySelector('script[type="application/json"]#grid-definition');
  const sections = new Map();
  let definition;
  try {
    definition = JSON.parse(script?.textContent || "{}");
  } catch {
    console.warn("app-grid: grid-definition is not valid JSON; totals will update on save only");
    return { definition: {}, sections };
  }
  for (const section of definition.sections || []) {
    try {
      sections.set(section.code, compileSection(section));
    } catch (error) {
      // Leave the server's figures alone rather than show wrong ones.
      console.warn(`app-grid: section ${section.code} will update on save only: ${error.message}`);
    }
  }
  // A rule needs every section it may look at: with one unreadable, the server checks them all.
  if (sections.size !== (definition.sections || []).length) definition = { ...definition, rules: [] };
  return { definition, sections };
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

/** The sticky line names and column headings can cover a cell scrolled into view: scroll it clear. */
function keepClearOfHeadings(input) {
  const scroller = input.closest(`.${SCROLL_CLASS}`);
  const cell = input.closest("td");
  if (!scroller || !cell) return;
  const header = input.closest("tr")?.querySelector('th[scope="row"]');
  const hiddenLeft = header ? header.getBoundingClientRect().right - cell.getBoundingClientRect().left : 0;
  if (hiddenLeft > 0) scroller.scrollLeft -= hiddenLeft;
  const head = input.closest("table")?.tHead;
  const hiddenTop = head ? head.getBoundingClientRect().bottom - cell.getBoundingClientRect().top : 0;
  if (hiddenTop > 0) scroller.scrollTop -= hiddenTop;
}

/* Pasting, copying and selecting ranges, as in a spreadsheet ---------------------------------- */

const UNDO_STEPS = 100;
const SELECTED_CLASS = "app-cell-wrap--selected";
const PASTED_CLASS = "app-cell-wrap--pasted";
const MISMATCH_CLASS = "app-paste-mismatch";
const MODIFIER_KEYS = new Set(["Shift", "Control", "Meta", "Alt", "AltGraph", "CapsLock"]);
/** Arrow key -> [rows, columns] it moves by. */
const ARROWS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

const same = (a, b) => a[0] === b[0] && a[1] === b[1];

/** "1 value", "12 values" */
const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** The last UNDO_STEPS changes, each {label, changes: [{input, before, after}]}, and those undone. */
class History {
  constructor(limit) {
    this.limit = limit;
    this.done = [];
    this.undone = [];
  }

  push(entry) {
    this.done.push(entry);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }

  undo() {
    const entry = this.done.pop();
    if (entry) this.undone.push(entry);
    return entry ?? null;
  }

  redo() {
    const entry = this.undone.pop();
    if (entry) this.done.push(entry);
    return entry ?? null;
  }

  summary() {
    return `${count(this.done.length, "step")} to undo, ${count(this.undone.length, "step")} to redo.`;
  }
}

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
 * The table as a block: its visible body rows (total rows included), each the list of its visible
 * data cells (<td>s, computed ones included), so a block maps one to one onto what people see.
 */
function tableLayout(table) {
  return bodyRows(table)
    .filter((row) => !row.hidden && row.getClientRects().length)
    .map(visibleCells);
}

/** [row, column] of a <td> in its table's layout, or null. */
function positionOf(td) {
  const row = td?.closest("tr");
  const table = row?.closest("table");
  if (!table || row.parentElement?.tagName !== "TBODY") return null;
  const rows = bodyRows(table).filter((r) => !r.hidden && r.getClientRects().length);
  const at = [rows.indexOf(row), visibleCells(row).indexOf(td)];
  return at[0] < 0 || at[1] < 0 ? null : at;
}

/** What a cell shows: a typed cell's value, a computed cell's figure. */
function cellText(td) {
  const cell = td?.querySelector(CELL_SELECTOR);
  if (!cell) return "";
  return (cell instanceof HTMLInputElement ? cell.value : cell.textContent).trim();
}

/**
 * Rows of cells as Excel's clipboard has them: tabs between cells, CR LF after each row, numbers
 * without thousands separators (so any locale reads them as numbers), anything else as shown.
 */
function toTabSeparated(rows) {
  const plain = (td) => {
    const shown = cellText(td);
    const { text, valid } = parseCell(shown);
    return text && valid ? text : shown.replace(/[\t\r\n]/g, " ");
  };
  return rows.map((row) => row.map(plain).join("\t")).join("\r\n") + "\r\n";
}

/**
 * Whether a value pasted on a computed cell differs from its figure, compared as the cell shows
 * figures (its unit's precision): '2.9%' on a growth of 2.92 agrees. A blank pasted value is not
 * compared; text that is not a number (Excel's #DIV/0!) agrees only with a blank figure.
 */
function differs(cell, pasted) {
  if (!pasted) return false;
  const shown = cell.textContent.trim();
  const { text, valid } = parseCell(pasted);
  if (!text || !valid) return shown !== "";
  return formatValue(text, cell.dataset.unit) !== shown;
}

const isInvalid = (input) => input.classList.contains(INVALID_CLASS);

/** "Pasted 12 values into 4 rows × 3 columns; 2 values on calculated cells not typed in, 1 of them differs from the calculation; 5 values beyond the last column not pasted." */
function pasteMessage({ landed, rows, columns, calculated, differ, locked, invalid, beyondRows, beyondColumns }) {
  if (!landed) return "Nothing pasted: the block starts outside the grid.";
  const parts = [`Pasted ${count(landed, "value")} into ${count(rows, "row")} × ${count(columns, "column")}`];
  if (calculated) {
    const compared =
      calculated === 1
        ? differ
          ? "and it differs from the calculation (marked at the cell)"
          : "and it agrees with the calculation"
        : differ
          ? `${differ} of them ${differ === 1 ? "differs" : "differ"} from the calculation (marked at the cell${differ === 1 ? "" : "s"})`
          : "none differs from the calculation";
    const on = calculated === 1 ? "on a calculated cell" : "on calculated cells";
    parts.push(`${count(calculated, "value")} ${on} not typed in, ${compared}`);
  }
  if (locked) parts.push(`${count(locked, "value")} on cells that cannot be changed not pasted`);
  if (invalid) parts.push(`${count(invalid, "value")} not accepted as ${invalid === 1 ? "a number" : "numbers"} (marked in red)`);
  if (beyondColumns) parts.push(`${count(beyondColumns, "value")} beyond the last column not pasted`);
  if (beyondRows) parts.push(`${count(beyondRows, "value")} beyond the last row not pasted`);
  return `${parts.join("; ")}.`;
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

/** The visible message after a paste, fill or undo, when the page has not rendered its place. */
function createStatus(form) {
  const status = document.createElement("div");
  status.className = "nhsuk-inset-text app-grid-status";
  status.dataset.gridStatus = "";
  status.hidden = true;
  const text = document.createElement("p");
  text.dataset.gridStatusText = "";
  status.append(text);
  form.querySelector(`.${SCROLL_CLASS}`)?.before(status);
  return status;
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
