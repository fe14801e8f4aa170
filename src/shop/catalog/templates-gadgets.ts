import type { CategoryBlock } from './template.ts';

// Phones, wearables and laptops: the categories the search demo leans on («умные часы», «смартфон»).
// Some descriptions mention «часы» while the name does not, so name matches can be shown to rank first.

export const smartphones: CategoryBlock = {
  category: 'Смартфоны',
  brands: ['Nova', 'XYZ', 'Orbita', 'Quanta', 'Helix', 'Pulsar'],
  items: [
    {
      name: 'Смартфон {brand} {model} {variant}',
      models: ['12', '12 Pro', 'A5', 'X7', 'Lite 9', 'Neo 3', 'S24', 'Max 11'],
      variants: ['64 ГБ', '128 ГБ', '256 ГБ', '512 ГБ'],
      descriptions: [
        'Смартфон {brand} {model} с AMOLED-экраном 6,7 дюйма, тройной камерой 50 Мп и аккумулятором 5000 мА·ч. Быстрая зарядка 67 Вт заряжает смартфон до 80% за полчаса.',
        'Компактный смартфон с ярким экраном, NFC для бесконтактной оплаты и поддержкой 5G. В комплекте прозрачный чехол и защитное стекло для смартфона.',
        'Флагманский смартфон {brand}: процессор нового поколения, оптическая стабилизация и съёмка видео в 4K. Корпус защищён от воды по стандарту IP68.',
        'Недорогой смартфон для повседневных задач: две SIM-карты, слот для карты памяти и большой аккумулятор. Владельцы смартфонов {brand} отмечают стабильную связь.',
      ],
      price: [9990, 89990],
      tags: ['смартфон', 'android', '5g'],
      count: 8,
    },
    {
      name: 'Smartphone {brand} {model} {variant}',
      models: ['One', 'Edge 5', 'Mini 4', 'Ultra 2', 'Go'],
      variants: ['128 GB', '256 GB'],
      descriptions: [
        'A 6.5-inch OLED smartphone with a 120 Hz display, dual 48 MP camera and all-day battery. Supports 5G, NFC payments and wireless charging.',
        'Pocket-sized smartphone with a bright display, fast fingerprint unlock and two days of battery life.',
        'Flagship {brand} {model} with a periscope zoom lens, 8K video and seven years of software updates.',
      ],
      price: [12990, 99990],
      tags: ['smartphone', '5g', 'nfc'],
      count: 9,
    },
    {
      name: 'Кнопочный телефон {brand} {model}',
      models: ['B100', 'Classic 2', 'Senior'],
      descriptions: [
        'Простой кнопочный телефон с крупными клавишами, ярким фонариком и аккумулятором на неделю работы. Подходит пожилым людям и как запасной телефон.',
      ],
      price: [1290, 3990],
      tags: ['телефон', 'кнопочный'],
      count: 3,
    },
    {
      name: 'Чехол для смартфона {brand} {model}, {variant}',
      models: ['12', 'A5', 'X7', 'S24'],
      variants: ['силиконовый', 'кожаный', 'прозрачный'],
      descriptions: [
        'Тонкий чехол защищает смартфон от царапин и ударов, не закрывает кнопки и разъёмы. Совместим с беспроводной зарядкой.',
        'Чехол с усиленными углами и приподнятыми бортиками вокруг камеры: смартфон переживёт падение с высоты до 1,5 м.',
      ],
      price: [390, 2490],
      tags: ['чехол', 'аксессуары'],
      count: 4,
    },
    {
      name: 'Tempered Glass Screen Protector for {brand} {model}',
      models: ['One', 'Edge 5', 'Mini 4', '12 Pro'],
      descriptions: [
        '9H tempered glass that keeps the screen free of scratches. Oleophobic coating and a frame for bubble-free installation.',
      ],
      price: [290, 990],
      tags: ['screen protector', 'accessories'],
      count: 3,
    },
  ],
};

export const wearables: CategoryBlock = {
  category: 'Носимые устройства',
  brands: ['XYZ', 'Nova', 'Pulsar', 'Helix', 'Arctica'],
  items: [
    {
      name: 'Умные часы {brand} {model}',
      models: ['Pro', 'Active 2', 'Classic', 'Sport S', 'Lite', 'Ultra'],
      descriptions: [
        'Умные часы с функцией мониторинга здоровья: пульс, уровень кислорода в крови, качество сна и стресс. Экран AMOLED 1,4 дюйма, до 10 дней без подзарядки.',
        'Спортивные умные часы с GPS и более чем 100 режимами тренировок. Корпус часов защищён от воды до 50 м, в них можно плавать в бассейне.',
        'Стильные умные часы {brand} {model}: уведомления со смартфона, бесконтактная оплата и голосовой помощник. Ремешок меняется без инструментов.',
      ],
      price: [4990, 39990],
      tags: ['умные часы', 'фитнес', 'здоровье'],
      count: 8,
    },
    {
      name: 'Smart Watch {brand} {model}',
      models: ['Fit 3', 'Trek', 'Runner Pro', 'Urban'],
      descriptions: [
        'Smart watch with heart-rate and SpO2 tracking, sleep analysis and built-in GPS. Up to 7 days of battery life.',
        'A lightweight smart watch for runners: dual-band GPS, training load and recovery advice, music on the wrist.',
      ],
      price: [5990, 44990],
      tags: ['smartwatch', 'fitness'],
      count: 4,
    },
    {
      name: 'Фитнес-браслет {brand} Band {model}',
      models: ['5', '6', '7', '8 NFC'],
      descriptions: [
        'Лёгкий фитнес-браслет: шаги, пульс и сон. Тоньше, чем умные часы, и работает до 14 дней на одном заряде.',
        'Браслет считает калории и напоминает о разминке. Тем, кому громоздкие часы мешают спать, понравится мягкий силиконовый ремешок.',
      ],
      price: [1990, 5990],
      tags: ['фитнес-браслет', 'фитнес'],
      count: 4,
    },
    {
      name: 'Ремешок для часов {brand}, {variant}',
      variants: ['силиконовый 22 мм', 'кожаный 20 мм', 'миланская петля 22 мм', 'нейлоновый 20 мм'],
      descriptions: [
        'Сменный ремешок с быстросъёмными шпильками. Подходит для большинства умных часов и классических часов с тем же креплением.',
      ],
      price: [390, 2990],
      tags: ['ремешок', 'аксессуары'],
      count: 4,
    },
    {
      name: 'Kids GPS Watch {brand} {model}',
      models: ['Junior', 'Kid 4G'],
      descriptions: ["GPS watch for kids with an SOS button, two-way calls and safe zones set in the parent's app."],
      price: [2990, 7990],
      tags: ['kids', 'gps', 'smartwatch'],
      count: 2,
    },
    {
      name: 'Умное кольцо {brand} Ring {model}',
      models: ['1', '2', 'Air'],
      descriptions: ['Умное кольцо из титана отслеживает сон, пульс и температуру тела. Незаметнее, чем часы, и не мешает ночью.'],
      price: [14990, 34990],
      tags: ['умное кольцо', 'здоровье'],
      count: 2,
    },
    {
      name: 'Fitness Tracker {brand} Fit {model}',
      models: ['2', '3', 'Mini'],
      descriptions: ['Slim fitness tracker with step counting, sleep stages and smartphone notifications. Water resistant to 50 m.'],
      price: [1990, 4990],
      tags: ['fitness tracker', 'fitness'],
      count: 2,
    },
  ],
};

export const laptops: CategoryBlock = {
  category: 'Ноутбуки',
  brands: ['Nova', 'Quanta', 'Helix', 'Vektor', 'Orbita'],
  items: [
    {
      name: 'Ноутбук {brand} {model}, {variant}',
      models: ['Book 14', 'Book 16 Pro', 'AirLine 13', 'WorkStation 15', 'Slim X'],
      variants: [
        'Intel Core i5, 16 ГБ, 512 ГБ SSD',
        'Ryzen 7, 16 ГБ, 1 ТБ SSD',
        'Intel Core i7, 32 ГБ, 1 ТБ SSD',
        'Ryzen 5, 8 ГБ, 256 ГБ SSD',
      ],
      descriptions: [
        'Лёгкий ноутбук с IPS-экраном, алюминиевым корпусом и автономностью до 12 ч. Подсветка клавиатуры и зарядка через USB-C.',
        'Игровой ноутбук {brand} {model}: дискретная видеокарта, экран 165 Гц и охлаждение с двумя вентиляторами.',
        'Ноутбук для работы и учёбы: тихий, лёгкий, с яркой матрицей и веб-камерой Full HD. На ноутбуке предустановлен Linux.',
      ],
      price: [39990, 189990],
      tags: ['ноутбук', 'компьютер'],
      count: 7,
    },
    {
      name: 'Laptop {brand} {model}, {variant}',
      models: ['ProBook 14', 'Creator 16', 'Air 13'],
      variants: ['16 GB / 512 GB', '32 GB / 1 TB'],
      descriptions: [
        'Thin and light laptop with a 2.8K OLED display, backlit keyboard and up to 14 hours of battery life.',
        'A creator laptop with a colour-accurate display, a discrete GPU and two Thunderbolt ports.',
      ],
      price: [49990, 219990],
      tags: ['laptop', 'computer'],
      count: 8,
    },
    {
      name: 'Laptop Bag {brand}, {variant}',
      variants: ['14"', '15.6"', '16"'],
      descriptions: ['Water-repellent laptop bag with a padded compartment and a pocket for the charger.'],
      price: [1490, 4990],
      tags: ['laptop bag', 'accessories'],
      count: 3,
    },
    {
      name: 'Wireless Mouse {brand} {model}',
      models: ['M3', 'Silent', 'Ergo'],
      descriptions: ['Quiet wireless mouse with a 4000 DPI sensor, USB-C charging and Bluetooth for up to three devices.'],
      price: [790, 4990],
      tags: ['mouse', 'accessories'],
      count: 3,
    },
    {
      name: 'Mechanical Keyboard {brand} {model}',
      models: ['K1', 'K2 TKL', 'Compact 65'],
      descriptions: ['Hot-swappable mechanical keyboard with RGB backlight and dual Latin/Cyrillic legends.'],
      price: [2990, 12990],
      tags: ['keyboard', 'peripherals'],
      count: 3,
    },
    {
      name: 'USB-C Docking Station {brand} {model}',
      models: ['Dock 8', 'Dock 12'],
      descriptions: ['One cable for two 4K monitors, Ethernet, SD card reader and 100 W pass-through charging.'],
      price: [3990, 14990],
      tags: ['dock', 'accessories'],
      count: 2,
    },
  ],
};
