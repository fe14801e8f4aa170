/**
 * The Shop view's search box: runs /api/shop/search as user `dashboard` and
 * shows the hits with the category and brand facets; a facet narrows the
 * search and a second click lifts it. The searches count in the statistics
 * like any other (under their own user id).
 */
import { byId, el, errorText } from './dom.ts';
import { formatCount } from './format.ts';
import { isShopOff, searchShop } from './shop-api.ts';
import { formatRub } from './shop-model.ts';
import type { ShopFacet, ShopSearchResult } from './shop-types.ts';

type FacetName = 'category' | 'brand';

/** Facet values shown per facet. */
const FACETS_SHOWN = 8;

/** Wires the search form; searches run only when asked (each one is logged as a query). */
export function shopSearch(): void {
  const ui = {
    form: byId<HTMLFormElement>('shop-search'),
    input: byId<HTMLInputElement>('shop-q'),
    summary: byId('shop-search-summary'),
    facets: byId('shop-facets'),
    hits: byId<HTMLOListElement>('shop-hits'),
  };
  const filters: Record<FacetName, string | undefined> = { category: undefined, brand: undefined };
  let abort: AbortController | undefined;

  function facetGroup(name: FacetName, title: string, values: readonly ShopFacet[]): HTMLElement {
    const group = el('div', 'facet-group');
    group.dataset['facet'] = name;
    group.append(el('span', 'facet-title', title));
    const chosen = filters[name];
    const shown = values.slice(0, FACETS_SHOWN);
    if (chosen !== undefined && !shown.some((facet) => facet.value === chosen)) shown.unshift({ value: chosen, count: 0 });
    for (const facet of shown) {
      const button = el('button', 'facet');
      button.type = 'button';
      button.dataset['value'] = facet.value;
      button.setAttribute('aria-pressed', String(facet.value === chosen));
      button.append(el('span', 'facet-value', facet.value), el('span', 'facet-count', formatCount(facet.count)));
      button.addEventListener('click', () => {
        filters[name] = filters[name] === facet.value ? undefined : facet.value;
        void run();
      });
      group.append(button);
    }
    return group;
  }

  function hitItem({ product }: ShopSearchResult['hits'][number]): HTMLLIElement {
    const item = el('li', 'hit');
    item.dataset['productId'] = product.product_id;
    const main = el('div', 'hit-main');
    const name = el('span', 'hit-name', product.name);
    name.title = product.name;
    main.append(name, el('span', 'hit-meta', `${product.brand} · ${product.category}`));
    const side = el('div', 'hit-side');
    const price = product.price.currency === 'RUB' ? formatRub(product.price.amount) : `${product.price.amount} ${product.price.currency}`;
    side.append(el('span', 'hit-price', price), el('span', 'hit-stock', `${formatCount(product.stock.available)} in stock`));
    item.append(main, side);
    return item;
  }

  function render(q: string, result: ShopSearchResult): void {
    const filtered = [filters.category, filters.brand].filter((value) => value !== undefined).join(', ');
    const what = q === '' ? 'All products' : `“${q}”`;
    ui.summary.textContent = `${what}${filtered === '' ? '' : ` in ${filtered}`}: ${formatCount(result.total)} product${result.total === 1 ? '' : 's'}`;
    ui.summary.dataset['total'] = String(result.total);
    ui.facets.replaceChildren(
      facetGroup('category', 'Category', result.facets.category),
      facetGroup('brand', 'Brand', result.facets.brand),
    );
    ui.hits.replaceChildren(...result.hits.map(hitItem));
  }

  async function run(): Promise<void> {
    const q = ui.input.value.trim();
    abort?.abort();
    const current = new AbortController();
    abort = current;
    ui.form.setAttribute('aria-busy', 'true');
    try {
      const result = await searchShop({ q, category: filters.category, brand: filters.brand }, current.signal);
      if (!current.signal.aborted) render(q, result);
    } catch (error) {
      if (current.signal.aborted) return;
      ui.summary.textContent = isShopOff(error)
        ? 'The marketplace is not enabled on this server.'
        : `The search did not answer: ${errorText(error)}`;
      ui.facets.replaceChildren();
      ui.hits.replaceChildren();
    } finally {
      if (abort === current) ui.form.removeAttribute('aria-busy');
    }
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    // A new text starts without the filters of the last one.
    filters.category = undefined;
    filters.brand = undefined;
    void run();
  });
}
