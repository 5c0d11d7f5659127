/**
 * Renders a list of rule statements (the base rule set, a capability, or a macro body):
 *
 *   drop|accept|break [matches] ;
 *   tee|watch <length> <address> [matches] ;
 *   redirect <address> [matches] ;
 *   include <macro>[(args)]
 *
 * Each action is emitted after its matches. Addresses must be 10 hex digits (the reference only
 * checks the length, act-tee-nonhex-target), and a tee/watch length must be a number
 * (the reference reads `abc` as -1 and accepts it, act-tee-unparseable-length).
 */
import type { Item } from './tokenizer.js';
import type { Rule } from './rule-objects.js';
import type { RenderContext } from './render-context.js';
import { fail } from './syntax-error.js';
import { parseNumberPrefix } from './numbers.js';
import { renderMatches } from './matches/index.js';
import { resolveInclude } from './macros.js';

const ZEROTIER_ADDRESS = /^[0-9a-fA-F]{10}$/;

const SIMPLE_ACTIONS = {
  drop: 'ACTION_DROP',
  accept: 'ACTION_ACCEPT',
  break: 'ACTION_BREAK',
} as const;

const COPY_ACTIONS = {
  tee: 'ACTION_TEE',
  watch: 'ACTION_WATCH',
} as const;

export function renderStatements(items: readonly Item[], out: Rule[], ctx: RenderContext): void {
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    const action = item.text.toLowerCase();
    const body = item.body ?? [];
    if (action === 'include') {
      if (k + 1 >= items.length) fail(item, 'Include directive is missing a macro name.');
      renderInclude(items[++k], out, ctx);
    } else if (action === 'drop' || action === 'accept' || action === 'break') {
      renderMatches(body, out, ctx);
      ctx.budget.spend(item);
      out.push({ type: SIMPLE_ACTIONS[action] });
    } else if (action === 'tee' || action === 'watch') {
      renderCopy(item, COPY_ACTIONS[action], body, out, ctx);
    } else if (action === 'redirect') {
      if (body.length === 0) fail(item, 'The redirect action requires a target parameter.');
      const address = body[0].text;
      if (!ZEROTIER_ADDRESS.test(address)) fail(body[0], 'Missing or invalid ZeroTier address target for redirect.');
      renderMatches(body.slice(1), out, ctx);
      ctx.budget.spend(item);
      out.push({ type: 'ACTION_REDIRECT', address });
    } else {
      fail(item, 'Unrecognized action or directive in rule set.');
    }
  }
}

function renderCopy(item: Item, type: 'ACTION_TEE' | 'ACTION_WATCH', body: Item[], out: Rule[], ctx: RenderContext): void {
  if (body.length === 0) {
    fail(item, 'The tee and watch actions require two paremters (max length or 0 for all, target).');
  }
  if (body.length === 1) {
    // The reference crashes here and reports "Unexpected exception: ..." at line 0, column 0;
    // tools match on that prefix and position (act-tee-missing-args), so keep both.
    fail({ line: 0, column: 0 }, 'Unexpected exception: tee/watch needs a length and a target address, only one argument was given.');
  }
  const [lengthToken, target] = body;
  const length = parseNumberPrefix(lengthToken.text);
  if (Number.isNaN(length)) fail(lengthToken, 'Tee/watch max packet length to forward invalid or out of range.');
  if (length < -1 || length > 0xffff) {
    // Line of the length, column of the address: the reference's position, kept for compatibility.
    fail({ line: lengthToken.line, column: target.column }, 'Tee/watch max packet length to forward invalid or out of range.');
  }
  if (!ZEROTIER_ADDRESS.test(target.text)) fail(target, 'Missing or invalid ZeroTier address target for tee/watch.');
  renderMatches(body.slice(2), out, ctx);
  ctx.budget.spend(item);
  out.push({ type, address: target.text, length });
}

function renderInclude(token: Item, out: Rule[], ctx: RenderContext): void {
  const { macro, args } = resolveInclude(token, ctx.macros);
  if (ctx.expanding.includes(macro.name)) fail(token, `Macro "${macro.name}" includes itself.`);
  if (ctx.expanding.length >= ctx.limits.maxIncludeDepth) {
    fail(token, `Macro includes nested too deeply (more than ${ctx.limits.maxIncludeDepth} levels).`);
  }
  ctx.budget.spend(token);
  renderStatements(macro.statements, out, { ...ctx, params: args, expanding: [...ctx.expanding, macro.name] });
}
