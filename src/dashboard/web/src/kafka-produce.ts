/**
 * "Produce a test message" on a topic's page (admin only): partition (or
 * the key's), key, headers and value, written as typed (the browser shows a
 * value that reads as JSON as JSON). The write is confirmed in a dialog that asks
 * for the admin token (kafka-admin.ts); the server's refusal is shown as it
 * is. Once written, the browser shows the new record.
 */
import { confirmAdmin } from './kafka-admin.ts';
import { produceMessage, refusalText } from './kafka-api.ts';
import { card, h, replaceChildren } from './kafka-dom.ts';
import { parseHeaderLines } from './kafka-model.ts';
import type { KafkaProduceRequest } from './kafka-types.ts';

export interface ProduceForm {
  section: HTMLElement;
  setPartitions(partitions: readonly number[]): void;
}

export function produceForm(topic: string, hooks: { produced(partition: number, offset: number): void }): ProduceForm {
  const { section } = card('Produce a test message', 'card-k-produce', 'admin only');
  const partition = h('select', { name: 'partition', 'data-produce-partition': true }, h('option', { value: '' }, 'By key'));
  const key = h('input', {
    type: 'text',
    name: 'key',
    class: 'kfield-input',
    placeholder: 'optional',
    autocomplete: 'off',
    'data-produce-key': true,
  });
  const headers = h('textarea', {
    name: 'headers',
    class: 'kfield-input',
    rows: 2,
    placeholder: 'name: value, one a line',
    spellcheck: 'false',
    'data-produce-headers': true,
  });
  const value = h('textarea', {
    name: 'value',
    class: 'kfield-input kmono',
    rows: 5,
    placeholder: '{"type": "test"}',
    spellcheck: 'false',
    'data-produce-value': true,
  });
  const submit = h('button', { type: 'submit', class: 'btn', 'data-produce': true }, 'Produce…');
  const result = h('p', { class: 'kform-result', role: 'status', 'aria-live': 'polite', 'data-produce-result': true });
  const form = h(
    'form',
    { class: 'kform', 'aria-label': `Produce a message to ${topic}` },
    h(
      'div',
      { class: 'kform-row' },
      h('label', { class: 'kfield' }, h('span', {}, 'Partition'), partition),
      h('label', { class: 'kfield kfield--grow' }, h('span', {}, 'Key'), key),
    ),
    h('label', { class: 'kfield' }, h('span', {}, 'Headers'), headers),
    h('label', { class: 'kfield' }, h('span', {}, 'Value (JSON, or text)'), value),
    h('div', { class: 'kform-row' }, submit),
    result,
  );
  section.append(form);

  const say = (text: string, level: 'ok' | 'error' | 'busy') => {
    result.textContent = text;
    result.dataset['level'] = level;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsedHeaders = parseHeaderLines(headers.value);
    if (typeof parsedHeaders === 'string') return say(`Headers: ${parsedHeaders}`, 'error');
    if (value.value.trim() === '') return say('Write a value.', 'error');
    const request: KafkaProduceRequest = { value: value.value };
    if (key.value !== '') request.key = key.value;
    if (Object.keys(parsedHeaders).length > 0) request.headers = parsedHeaders;
    if (partition.value !== '') request.partition = Number(partition.value);
    void (async () => {
      const token = await confirmAdmin({
        title: `Produce a record to ${topic}?`,
        lines: [
          `One record is appended to ${topic}, ${request.partition === undefined ? (request.key === undefined ? 'on a partition the bus picks' : `on the partition of key “${request.key}”`) : `on partition ${request.partition}`}.`,
          'Every consumer group reading this topic will receive it.',
          'A record cannot be taken back once written.',
        ],
        confirmLabel: 'Produce',
      });
      if (token === null) return say('Not sent.', 'ok');
      submit.disabled = true;
      say('Producing…', 'busy');
      try {
        const answer = await produceMessage(topic, request, token);
        say(`Written to partition ${answer.partition} at offset ${answer.offset}.`, 'ok');
        result.dataset['partition'] = String(answer.partition);
        result.dataset['offset'] = String(answer.offset);
        hooks.produced(answer.partition, answer.offset);
      } catch (error) {
        say(refusalText(error), 'error');
      } finally {
        submit.disabled = false;
      }
    })();
  });

  return {
    section,
    setPartitions(partitions) {
      if (partition.options.length === partitions.length + 1) return;
      const chosen = partition.value;
      replaceChildren(
        partition,
        h('option', { value: '' }, 'By key'),
        ...partitions.map((p) => h('option', { value: p }, `Partition ${p}`)),
      );
      partition.value = chosen;
    },
  };
}
