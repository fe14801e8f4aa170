export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a text/event-stream body one event at a time (`retry:` lines and comments skipped; an unnamed event is `message`). */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<SseEvent> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const data = lines.find((line) => line.startsWith('data: '));
          if (data === undefined) continue;
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
          return { event, data: JSON.parse(data.slice(6)) as unknown };
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('the stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}
