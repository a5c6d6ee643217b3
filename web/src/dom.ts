// Building the page's elements without a framework.

// An element with properties (attributes for data-*, aria-*, role and for)
// and children.
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "for") e.setAttribute(k, String(v));
    else (e as any)[k] = v;
  }
  e.append(...children);
  return e;
}
