import type { CategoryBlock } from './template.ts';

// Products a demo operator bans: the brand "FakeBrand" (a ban by brand) and replicas whose names a
// pattern like `*replica*` or `*поддельн*` catches. Kept apart so the demo's targets are easy to find.

const fake = ['FakeBrand'];
const noName = ['NoName'];

export const banDemo: readonly CategoryBlock[] = [
  {
    category: 'Носимые устройства',
    brands: fake,
    items: [
      {
        name: 'Умные часы {brand} Ultra Max',
        descriptions: ['Умные часы «как у флагмана» по цене фитнес-браслета. Пульс, шаги, уведомления.'],
        price: [1490, 2490],
        tags: ['умные часы'],
        count: 1,
      },
      {
        name: 'Replica Chronograph Watch Gold Edition',
        brands: noName,
        descriptions: ['Replica of a famous Swiss chronograph. Gold-tone steel case, quartz movement.'],
        price: [2990, 4990],
        tags: ['watch', 'replica'],
        count: 1,
      },
    ],
  },
  {
    category: 'Электроника',
    brands: fake,
    items: [
      {
        name: 'Наушники {brand} Pods Pro Max',
        descriptions: ['Беспроводные наушники с шумоподавлением. Копия дизайна известной модели.'],
        price: [990, 1990],
        tags: ['наушники', 'bluetooth'],
        count: 1,
      },
    ],
  },
  {
    category: 'Обувь',
    brands: fake,
    items: [
      {
        name: '{brand} Air Runner Sneakers',
        descriptions: ['Sneakers "inspired by" a famous running model. Sizes 36–46.'],
        price: [1990, 2990],
        tags: ['sneakers'],
        count: 1,
      },
    ],
  },
  {
    category: 'Красота и здоровье',
    brands: fake,
    items: [
      {
        name: 'Парфюмерная вода {brand} Noir, 100 мл',
        descriptions: ['Аромат, повторяющий известный нишевый парфюм. Без сертификата.'],
        price: [690, 1290],
        tags: ['парфюм'],
        count: 1,
      },
      {
        name: 'Поддельный парфюм «Люкс №5», 50 мл',
        brands: noName,
        descriptions: ['Копия знаменитого аромата в похожем флаконе.'],
        price: [490, 990],
        tags: ['парфюм', 'копия'],
        count: 1,
      },
    ],
  },
  {
    category: 'Одежда',
    brands: noName,
    items: [
      {
        name: 'Replica Designer Handbag Monogram',
        descriptions: ['Replica designer handbag in faux leather with a monogram print.'],
        price: [1990, 3990],
        tags: ['bag', 'replica'],
        count: 1,
      },
      {
        name: 'Поддельный ремень «Премиум» из экокожи',
        descriptions: ['Ремень с пряжкой, копирующей логотип известного бренда.'],
        price: [390, 890],
        tags: ['ремень', 'копия'],
        count: 1,
      },
    ],
  },
];
