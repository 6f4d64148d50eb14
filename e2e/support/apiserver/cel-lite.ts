// A small subset of CEL for CRD `x-kubernetes-validations` rules ("Validation rules" in the
// CustomResourceDefinition docs): `self` (and field access on it), has(), literals (string, int,
// double, bool, null), `!`, `&&`, `||`, comparisons, `+`, `in` over list literals, size(), and the
// string methods startsWith / endsWith / contains / matches. Anything else throws CelUnsupported, and
// the caller skips that rule (counted, reported in the README as not enforced) rather than guessing.

export class CelUnsupported extends Error {
  readonly code = 'CEL_UNSUPPORTED';
}

/** A rule that evaluated to an error (e.g. a missing field read without has()): the rule fails. */
export class CelEvalError extends Error {
  readonly code = 'CEL_EVAL_ERROR';
}

type Tok = { t: 'id' | 'num' | 'str' | 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) { out.push({ t: 'op', v: two }); i += 2; continue; }
    if ('()[],.!<>+-'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') { s += src[j + 1] ?? ''; j += 2; } else { s += src[j]; j++; }
      }
      if (j >= src.length) throw new CelUnsupported('unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const num = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
    if (num !== null) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id !== null) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    throw new CelUnsupported(`unexpected character ${c}`);
  }
  return out;
}

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'self' }
  | { k: 'field'; of: Node; name: string }
  | { k: 'has'; of: Node; name: string }
  | { k: 'not'; e: Node }
  | { k: 'neg'; e: Node }
  | { k: 'bin'; op: string; l: Node; r: Node }
  | { k: 'list'; items: Node[] }
  | { k: 'call'; fn: string; target: Node | undefined; args: Node[] };

const METHODS = new Set(['startsWith', 'endsWith', 'contains', 'matches', 'size']);

class Parser {
  readonly #toks: Tok[];
  #i = 0;
  constructor(toks: Tok[]) { this.#toks = toks; }

  #peek(): Tok | undefined { return this.#toks[this.#i]; }
  #isOp(v: string): boolean { const t = this.#peek(); return t !== undefined && t.t === 'op' && t.v === v; }
  #expect(v: string): void {
    if (!this.#isOp(v)) throw new CelUnsupported(`expected ${v}`);
    this.#i++;
  }

  parse(): Node {
    const n = this.#or();
    if (this.#i !== this.#toks.length) throw new CelUnsupported('trailing tokens');
    return n;
  }

  #or(): Node {
    let l = this.#and();
    while (this.#isOp('||')) { this.#i++; l = { k: 'bin', op: '||', l, r: this.#and() }; }
    return l;
  }

  #and(): Node {
    let l = this.#cmp();
    while (this.#isOp('&&')) { this.#i++; l = { k: 'bin', op: '&&', l, r: this.#cmp() }; }
    return l;
  }

  #cmp(): Node {
    const l = this.#add();
    const t = this.#peek();
    if (t !== undefined && t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.#i++;
      return { k: 'bin', op: t.v, l, r: this.#add() };
    }
    if (t !== undefined && t.t === 'id' && t.v === 'in') {
      this.#i++;
      return { k: 'bin', op: 'in', l, r: this.#add() };
    }
    return l;
  }

  #add(): Node {
    let l = this.#unary();
    while (this.#isOp('+')) { this.#i++; l = { k: 'bin', op: '+', l, r: this.#unary() }; }
    return l;
  }

  #unary(): Node {
    if (this.#isOp('!')) { this.#i++; return { k: 'not', e: this.#unary() }; }
    if (this.#isOp('-')) { this.#i++; return { k: 'neg', e: this.#unary() }; }
    return this.#postfix(this.#primary());
  }

  #postfix(n: Node): Node {
    for (;;) {
      if (!this.#isOp('.')) return n;
      this.#i++;
      const id = this.#toks[this.#i++];
      if (id === undefined || id.t !== 'id') throw new CelUnsupported('expected a field name');
      if (this.#isOp('(')) {
        if (!METHODS.has(id.v)) throw new CelUnsupported(`method ${id.v}`);
        n = { k: 'call', fn: id.v, target: n, args: this.#args() };
      } else {
        n = { k: 'field', of: n, name: id.v };
      }
    }
  }

  #args(): Node[] {
    this.#expect('(');
    const args: Node[] = [];
    while (!this.#isOp(')')) {
      args.push(this.#or());
      if (!this.#isOp(')')) this.#expect(',');
    }
    this.#i++;
    return args;
  }

  #primary(): Node {
    const t = this.#toks[this.#i++];
    if (t === undefined) throw new CelUnsupported('unexpected end');
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'op' && t.v === '(') { const e = this.#or(); this.#expect(')'); return e; }
    if (t.t === 'op' && t.v === '[') {
      const items: Node[] = [];
      while (!this.#isOp(']')) { items.push(this.#or()); if (!this.#isOp(']')) this.#expect(','); }
      this.#i++;
      return { k: 'list', items };
    }
    if (t.t === 'id') {
      if (t.v === 'self') return { k: 'self' };
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (t.v === 'has') {
        this.#expect('(');
        const e = this.#postfix(this.#primary());
        this.#expect(')');
        if (e.k !== 'field') throw new CelUnsupported('has() needs a field selection');
        return { k: 'has', of: e.of, name: e.name };
      }
      if (t.v === 'size') return { k: 'call', fn: 'size', target: undefined, args: this.#args() };
    }
    throw new CelUnsupported(`unsupported token ${t.v}`);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function evalNode(n: Node, self: unknown): unknown {
  switch (n.k) {
    case 'lit': return n.v;
    case 'self': return self;
    case 'list': return n.items.map((x) => evalNode(x, self));
    case 'field': {
      const o = evalNode(n.of, self);
      if (!isObj(o) || !Object.hasOwn(o, n.name)) throw new CelEvalError(`no such key: ${n.name}`);
      return o[n.name];
    }
    case 'has': {
      const o = evalNode(n.of, self);
      return isObj(o) && Object.hasOwn(o, n.name);
    }
    case 'not': return !truthy(evalNode(n.e, self));
    case 'neg': return -Number(evalNode(n.e, self));
    case 'bin': {
      if (n.op === '&&') return truthy(evalNode(n.l, self)) && truthy(evalNode(n.r, self));
      if (n.op === '||') return truthy(evalNode(n.l, self)) || truthy(evalNode(n.r, self));
      const l = evalNode(n.l, self);
      const r = evalNode(n.r, self);
      switch (n.op) {
        case '==': return JSON.stringify(l) === JSON.stringify(r);
        case '!=': return JSON.stringify(l) !== JSON.stringify(r);
        case '<': return (l as number) < (r as number);
        case '<=': return (l as number) <= (r as number);
        case '>': return (l as number) > (r as number);
        case '>=': return (l as number) >= (r as number);
        case '+': return typeof l === 'string' || typeof r === 'string' ? String(l) + String(r) : Number(l) + Number(r);
        case 'in': return Array.isArray(r) ? r.some((x) => JSON.stringify(x) === JSON.stringify(l)) : isObj(r) && Object.hasOwn(r, String(l));
      }
      throw new CelUnsupported(n.op);
    }
    case 'call': {
      const target = n.target === undefined ? evalNode(n.args[0], self) : evalNode(n.target, self);
      const args = (n.target === undefined ? n.args.slice(1) : n.args).map((a) => evalNode(a, self));
      switch (n.fn) {
        case 'size':
          if (typeof target === 'string' || Array.isArray(target)) return target.length;
          if (isObj(target)) return Object.keys(target).length;
          throw new CelEvalError('size() of a scalar');
        case 'startsWith': return String(target).startsWith(String(args[0]));
        case 'endsWith': return String(target).endsWith(String(args[0]));
        case 'contains': return String(target).includes(String(args[0]));
        case 'matches': return new RegExp(String(args[0]), 'u').test(String(target));
      }
      throw new CelUnsupported(n.fn);
    }
  }
}

function truthy(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new CelEvalError('no matching overload: expected bool');
  return v;
}

/** Compile once; the returned function evaluates the rule with `self` bound, returning true/false. */
export function compileRule(rule: string): (self: unknown) => boolean {
  if (/\boldSelf\b/.test(rule)) throw new CelUnsupported('transition rules (oldSelf)');
  const ast = new Parser(tokenize(rule)).parse();
  return (self) => truthy(evalNode(ast, self));
}
