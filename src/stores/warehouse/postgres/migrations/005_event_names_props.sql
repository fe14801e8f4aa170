-- Product analytics (funnels, retention, custom events) read a custom event's name and any event's
-- properties: typed columns instead of parsing every row's JSON at read time.
-- props is the event's `props` object as JSON text (json, not jsonb: the text may hold \u0000).
ALTER TABLE events ADD COLUMN event_name text COLLATE "C";
ALTER TABLE events ADD COLUMN props text;

UPDATE events SET event_name = data::json ->> 'name' WHERE type = 'custom';
UPDATE events SET props = data::json -> 'props' WHERE strpos(data, '"props"') > 0 AND (data::json -> 'props') IS NOT NULL;
