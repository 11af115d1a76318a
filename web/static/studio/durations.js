// ISO 8601 durations as an analyst picks them: a number and a unit. Timers hold a Python
// expression (the quoted duration, "P2D"); a task's deadline holds the bare duration (P30D).

const UNITS = {
  minutes: ['PT', 'M'], hours: ['PT', 'H'], days: ['P', 'D'], weeks: ['P', 'W'], months: ['P', 'M'],
};
export const UNIT_NAMES = Object.keys(UNITS);

/** '' unless ``amount`` is a whole number of at least 1. */
export function toIso(amount, unit) {
  const n = Number(amount);
  if (!Number.isInteger(n) || n < 1 || !UNITS[unit]) return '';
  const [prefix, designator] = UNITS[unit];
  return `${prefix}${n}${designator}`;
}

/** {amount, unit} of a one-unit duration such as P2D or PT30M; null for anything else. */
export function fromIso(text) {
  const m = /^P(T?)(\d+)([DWMH])$/.exec((text || '').trim().toUpperCase());
  if (!m) return null;
  const [, t, amount, designator] = m;
  const unit = UNIT_NAMES.find((u) => UNITS[u][0] === `P${t}` && UNITS[u][1] === designator);
  return unit ? { amount: Number(amount), unit } : null;
}

/** The text of a Python string literal ('x' or "x", nothing to escape), else null. */
export function unquote(expression) {
  const m = /^\s*(['"])([^'"\\]*)\1\s*$/.exec(expression || '');
  return m ? m[2] : null;
}

/** A Python string literal for ``text``. */
export function quote(text) {
  return `'${String(text).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}
