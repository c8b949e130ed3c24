import { MemflowError } from '../../contracts/errors';

/**
 * A small arithmetic evaluator (+ - * / % ^, parentheses, unary minus) by recursive descent: the
 * calculator tool never hands model output to `eval`.
 */
export function evaluateArithmetic(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/%^()]|\S/g) ?? [];
  let pos = 0;
  const fail = (why: string): never => {
    throw new MemflowError('INVALID_INPUT', `Cannot evaluate "${expression}": ${why}.`);
  };
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const primary = (): number => {
    const t = next();
    if (t === undefined) return fail('it ends too early');
    if (t === '(') {
      const v = sum();
      if (next() !== ')') fail('a parenthesis is not closed');
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (!/^\d/.test(t)) return fail(`unexpected "${t}"`);
    return Number(t);
  };
  const power = (): number => {
    const base = primary();
    if (peek() === '^') {
      next();
      return base ** power();
    }
    return base;
  };
  const product = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = next();
      const r = power();
      if (op !== '*' && r === 0) fail('division by zero');
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = next() === '+' ? v + product() : v - product();
    return v;
  };
  const value = sum();
  if (pos !== tokens.length) fail(`unexpected "${tokens[pos]}"`);
  return Math.round(value * 1e12) / 1e12;
}
