/**
 * The generator's fixed site map. `id` is the `page_id` carried in `props` and used as the record
 * key; `path` is what the workers aggregate by (the warehouse's and Redis's `page`). Weights give a
 * realistic skew: a few pages take most of the views, so "top pages" has a clear order.
 */
export interface GeneratedPage {
  id: string;
  path: string;
  title: string;
  weight: number;
}

export const generatorPages: readonly GeneratedPage[] = [
  { id: 'home', path: '/', title: 'Home', weight: 24 },
  { id: 'catalog', path: '/products', title: 'All products', weight: 18 },
  { id: 'product-1', path: '/products/1', title: 'Product 1', weight: 12 },
  { id: 'product-2', path: '/products/2', title: 'Product 2', weight: 9 },
  { id: 'product-3', path: '/products/3', title: 'Product 3', weight: 7 },
  { id: 'cart', path: '/cart', title: 'Cart', weight: 8 },
  { id: 'checkout', path: '/checkout', title: 'Checkout', weight: 5 },
  { id: 'blog', path: '/blog', title: 'Blog', weight: 6 },
  { id: 'blog-kafka', path: '/blog/kafka-in-practice', title: 'Kafka in practice', weight: 4 },
  { id: 'about', path: '/about', title: 'About us', weight: 3 },
  { id: 'contact', path: '/contact', title: 'Contact', weight: 2 },
  { id: 'pricing', path: '/pricing', title: 'Pricing', weight: 2 },
];

/** Host of the generated page URLs (a reserved example domain). */
export const GENERATED_HOST = 'shop.example';
