// The screen router. One screen is shown at a time under the header; each screen module
// renders into the main element and returns a cleanup function. The current route is kept so a
// language switch can render the same screen again in the other language.

import type { SaleRecord } from './types';

export type Route =
  | { name: 'signin'; notice?: 'session_expired' | 'switch' | 'idle_locked' | 'offline_limit'; staff?: string }
  | { name: 'sell' }
  | { name: 'pay' }
  | { name: 'receipt'; sale: SaleRecord }
  | { name: 'backoffice' }
  | { name: 'drawer' }
  | { name: 'sync' }
  | { name: 'returns' };

type Renderer = (main: HTMLElement, route: Route) => (() => void) | void;

const renderers = new Map<Route['name'], Renderer>();
let current: Route = { name: 'signin' };
let cleanup: (() => void) | void = undefined;
let mainEl: HTMLElement | null = null;

export function registerScreen(name: Route['name'], render: Renderer): void {
  renderers.set(name, render);
}

export function mount(main: HTMLElement): void {
  mainEl = main;
}

export function route(): Route {
  return current;
}

export function go(next: Route): void {
  current = next;
  rerender();
}

export function rerender(): void {
  if (!mainEl) return;
  if (cleanup) cleanup();
  cleanup = undefined;
  document.querySelector('.toast')?.remove();
  mainEl.replaceChildren();
  mainEl.className = `screen screen-${current.name}`;
  document.getElementById('app')?.setAttribute('data-screen', current.name);
  const render = renderers.get(current.name);
  if (render) cleanup = render(mainEl, current);
}
