/**
 * A consumer group's offset reset (admin only): to the earliest retained
 * record, to the end, or to a time, on all of the group's topics or some.
 * A dialog says what will happen and asks for the admin token
 * (kafka-admin.ts); the server's refusal (no token, a wrong one, a group
 * that still has members) is shown as it is. The new offsets are listed.
 */
import { formatCount } from './format.ts';
import { confirmAdmin } from './kafka-admin.ts';
import { refusalText, resetOffsets } from './kafka-api.ts';
import { card, dataTable, h, replaceChildren } from './kafka-dom.ts';
import { formatTimestamp, fromLocalInput, toLocalInput } from './kafka-model.ts';
import type { KafkaGroupDetail, KafkaResetRequest, ResetTarget } from './kafka-types.ts';

export interface ResetForm {
  section: HTMLElement;
  setGroup(detail: KafkaGroupDetail): void;
}

const topicsOf = (detail: KafkaGroupDetail): string[] =>
  [...new Set([...detail.lag.map((row) => row.topic), ...detail.members.flatMap((m) => m.assignments.map((a) => a.topic))])].sort();

export function resetForm(group: string, hooks: { done(): void }): ResetForm {
  const { section } = card('Reset offsets', 'card-k-reset', 'admin only');
  const targets = (['earliest', 'latest', 'timestamp'] as const).map((to) =>
    h(
      'button',
      { type: 'button', 'data-reset-to': to, 'aria-pressed': String(to === 'earliest') },
      to === 'earliest' ? 'Earliest' : to === 'latest' ? 'Latest' : 'Time',
    ),
  );
  const time = h('input', {
    type: 'datetime-local',
    step: 1,
    class: 'kfield-input',
    'aria-label': 'Reset to time',
    'data-reset-time': true,
    hidden: true,
  });
  const topicBoxes = h('div', { class: 'kchecks', role: 'group', 'aria-label': 'Topics to reset' });
  const members = h('p', { class: 'kform-warn', hidden: true, 'data-reset-members': true });
  const submit = h('button', { type: 'submit', class: 'btn btn--danger', 'data-reset': true }, 'Reset offsets…');
  const result = h('p', { class: 'kform-result', role: 'status', 'aria-live': 'polite', 'data-reset-result': true });
  const offsets = dataTable('ktable-offsets', [
    { label: 'Topic', width: '54%' },
    { label: 'Partition', num: true, width: '20%' },
    { label: 'New offset', num: true, width: '26%' },
  ]);
  offsets.scroll.hidden = true;
  const form = h(
    'form',
    { class: 'kform', 'aria-label': `Reset the offsets of ${group}` },
    members,
    h(
      'div',
      { class: 'kform-row' },
      h('span', { class: 'kform-label' }, 'To'),
      h('div', { class: 'segmented segmented--small', role: 'group', 'aria-label': 'Reset to' }, ...targets),
      time,
    ),
    h('div', { class: 'kform-row kform-row--top' }, h('span', { class: 'kform-label' }, 'Topics'), topicBoxes),
    h('div', { class: 'kform-row' }, submit),
    result,
  );
  section.append(form, offsets.scroll);

  let detail: KafkaGroupDetail | undefined;
  let shownTopics = '';
  const chosenTarget = (): ResetTarget =>
    (targets.find((b) => b.getAttribute('aria-pressed') === 'true')?.dataset['resetTo'] as ResetTarget | undefined) ?? 'earliest';

  for (const button of targets)
    button.addEventListener('click', () => {
      for (const other of targets) other.setAttribute('aria-pressed', String(other === button));
      time.hidden = button.dataset['resetTo'] !== 'timestamp';
      if (!time.hidden && time.value === '') time.value = toLocalInput(Date.now() - 3_600_000);
    });

  const say = (text: string, level: 'ok' | 'error' | 'busy') => {
    result.textContent = text;
    result.dataset['level'] = level;
  };

  function describe(request: KafkaResetRequest, topics: string[], at: number | null): string[] {
    const partitions = (detail?.lag ?? []).filter((row) => topics.includes(row.topic));
    const lag = partitions.reduce((sum, row) => sum + row.lag, 0);
    const where = `${topics.join(', ')} (${partitions.length} ${partitions.length === 1 ? 'partition' : 'partitions'})`;
    const lines = [`The committed offsets of group “${group}” on ${where} are overwritten.`];
    if (request.to === 'earliest')
      lines.push('They move to the oldest retained record: the group’s consumers will read again everything these topics still hold.');
    if (request.to === 'latest')
      lines.push(
        `They move to the end: the ${formatCount(lag)} records not yet consumed (the current lag) are skipped and never processed.`,
      );
    if (request.to === 'timestamp' && at !== null)
      lines.push(
        `They move to the first record written at or after ${formatTimestamp(at)}: older records are skipped, newer ones read (again).`,
      );
    lines.push('The group must have no active member: stop its consumers first, or the server refuses.');
    return lines;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const to = chosenTarget();
    const topics = Array.from(topicBoxes.querySelectorAll<HTMLInputElement>('input:checked')).map((box) => box.value);
    if (topics.length === 0) return say('Pick at least one topic.', 'error');
    const at = to === 'timestamp' ? fromLocalInput(time.value) : null;
    if (to === 'timestamp' && at === null) return say('Give the time to reset to.', 'error');
    const request: KafkaResetRequest = { to };
    if (at !== null) request.timestamp = new Date(at).toISOString();
    const all = detail === undefined ? [] : topicsOf(detail);
    if (topics.length < all.length) request.topics = topics;
    void (async () => {
      const token = await confirmAdmin({
        title: `Reset the offsets of ${group}?`,
        lines: describe(request, topics, at),
        confirmLabel: 'Reset offsets',
      });
      if (token === null) return say('Not reset.', 'ok');
      submit.disabled = true;
      say('Resetting…', 'busy');
      try {
        const answer = await resetOffsets(group, request, token);
        say(
          `Done: ${answer.offsets.length} ${answer.offsets.length === 1 ? 'partition' : 'partitions'} reset to ${to === 'timestamp' && at !== null ? formatTimestamp(at) : to}.`,
          'ok',
        );
        section.dataset['resetState'] = 'done';
        replaceChildren(
          offsets.body,
          ...[...answer.offsets]
            .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
            .map((row) =>
              h(
                'tr',
                { 'data-topic': row.topic, 'data-partition': row.partition, 'data-offset': row.offset },
                h('td', { class: 'page-cell' }, row.topic),
                h('td', { class: 'num' }, String(row.partition)),
                h('td', { class: 'num' }, formatCount(row.offset)),
              ),
            ),
        );
        offsets.scroll.hidden = answer.offsets.length === 0;
        hooks.done();
      } catch (error) {
        section.dataset['resetState'] = 'refused';
        say(refusalText(error), 'error');
      } finally {
        submit.disabled = false;
      }
    })();
  });

  return {
    section,
    setGroup(next) {
      detail = next;
      const active = next.members.length;
      members.hidden = active === 0;
      members.textContent = `${active} active ${active === 1 ? 'member' : 'members'}: stop the group’s consumers before resetting, or the server refuses.`;
      const topics = topicsOf(next);
      if (topics.join('\n') === shownTopics) return;
      shownTopics = topics.join('\n');
      replaceChildren(
        topicBoxes,
        ...topics.map((topic) =>
          h(
            'label',
            { class: 'toggle' },
            h('input', { type: 'checkbox', value: topic, checked: true, 'data-reset-topic': topic }),
            h('span', {}, topic),
          ),
        ),
      );
      if (topics.length === 0) topicBoxes.append(h('span', { class: 'muted' }, 'The group has no committed offsets.'));
    },
  };
}
