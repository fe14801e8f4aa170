// The demo shop's own behaviour: the tracker panel (on/off switches like seed 000's page, ids, delivery
// counters, recent events), toasts, the SPA-style tabs and the contact form. Not part of the tracker.
(function () {
  'use strict';
  var pulse = window.pulse;
  var panel = document.getElementById('pulse-panel');
  var prefs = { tracking: 'pulse-demo:tracking', mouse: 'pulse-demo:mouse' };

  function pref(key, fallback) {
    try {
      return localStorage.getItem(key) || fallback;
    } catch {
      return fallback;
    }
  }
  function setPref(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* storage blocked: the choice lasts for this page */
    }
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- toasts for the shop's buttons
  var toast = document.querySelector('.toast');
  var toastTimer;
  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('[data-toast]') : null;
    if (!button || !toast) return;
    toast.textContent = button.getAttribute('data-toast');
    toast.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      toast.classList.remove('show');
    }, 1600);
  });

  // ---- SPA-style tabs: pushState, no page load (the tracker sends a page_view per route)
  function showTab() {
    var tab = new URLSearchParams(location.search).get('tab') || 'details';
    document.querySelectorAll('[data-tab]').forEach(function (section) {
      section.hidden = section.getAttribute('data-tab') !== tab;
    });
    document.querySelectorAll('a[data-route]').forEach(function (link) {
      link.setAttribute('aria-selected', String(link.getAttribute('data-route') === tab));
    });
  }
  document.querySelectorAll('a[data-route]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      if (link.href !== location.href) history.pushState({ tab: link.getAttribute('data-route') }, '', link.href);
      showTab();
    });
  });
  window.addEventListener('popstate', showTab);
  showTab();

  // ---- the contact form: stays on the page, shows a thank-you, forgets what was typed
  var form = document.getElementById('contact-form');
  if (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      document.getElementById('form-thanks').hidden = false;
      form.reset();
    });
  }

  // ---- the tracker panel
  if (!panel) return;
  if (!pulse) {
    panel.appendChild(el('h2', '', 'Pulse tracker'));
    panel.appendChild(el('p', 'blocked', 'The tracker script (/t.js) did not load: a content blocker, or ingest is not running.'));
    return;
  }

  panel.innerHTML =
    '<h2><span class="pulse-dot"></span>Pulse tracker</h2>' +
    '<p class="hint">Events from this page, as the tracker sends them (site key <b>demo</b>).</p>' +
    '<div class="row"><span>Tracking</span><button class="switch" id="toggle-tracking" aria-pressed="false">Off</button></div>' +
    '<div class="row"><span>Mouse movement</span><button class="switch" id="toggle-mouse" aria-pressed="false">Off</button></div>' +
    '<p class="blocked" id="blocked" hidden>Do-Not-Track or opt-out is set: nothing is captured, stored or sent.</p>' +
    '<dl><dt>User</dt><dd id="state-user">–</dd><dt>Session</dt><dd id="state-session">–</dd>' +
    '<dt>Queued</dt><dd id="state-queued">0</dd><dt>Sent</dt><dd id="state-sent" title="by this page">0</dd></dl>' +
    '<div class="links"><button id="send-custom">Send a custom event</button><button id="toggle-optout">Opt out</button></div>' +
    '<h3>Recent events</h3><ol id="event-log"></ol>';

  var byId = function (id) {
    return document.getElementById(id);
  };
  var log = byId('event-log');

  function render() {
    var state = pulse.getState();
    var tracking = byId('toggle-tracking');
    var mouse = byId('toggle-mouse');
    tracking.setAttribute('aria-pressed', String(state.running));
    tracking.textContent = state.running ? 'On' : 'Off';
    mouse.setAttribute('aria-pressed', String(state.mouse));
    mouse.textContent = state.mouse ? 'On' : 'Off';
    panel.querySelector('.pulse-dot').classList.toggle('on', state.running);
    byId('blocked').hidden = !state.blocked;
    byId('state-user').textContent = state.userId || '–';
    byId('state-session').textContent = state.sessionId || '–';
    byId('state-queued').textContent = state.queued + (state.failures > 0 ? ' (ingest unreachable, retrying)' : '');
    byId('state-sent').textContent = String(state.sent);
    byId('toggle-optout').textContent = pulse.isOptedOut() ? 'Opt in' : 'Opt out';
  }

  function describe(event) {
    if (event.type === 'click') return event.selector + (event.text ? ' “' + event.text + '”' : '');
    if (event.type === 'mouse_move') return event.x + ', ' + event.y;
    if (event.type === 'form_submit') return '#' + (event.form_id || event.form_name || 'form');
    if (event.type === 'custom') return event.name;
    return new URL(event.url).pathname + new URL(event.url).search;
  }

  pulse.onEvent(function (event) {
    var item = el('li');
    item.appendChild(el('span', 'type', event.type));
    item.appendChild(el('span', 'what', describe(event)));
    log.insertBefore(item, log.firstChild);
    while (log.children.length > 30) log.removeChild(log.lastChild);
  });

  byId('toggle-tracking').addEventListener('click', function () {
    if (pulse.getState().running) {
      pulse.stop();
      setPref(prefs.tracking, 'off');
    } else {
      setPref(prefs.tracking, 'on');
      pulse.start();
    }
    render();
  });
  byId('toggle-mouse').addEventListener('click', function () {
    var on = !pulse.getState().mouse;
    pulse.setMouseTracking(on);
    setPref(prefs.mouse, on ? 'on' : 'off');
    render();
  });
  byId('send-custom').addEventListener('click', function () {
    pulse.track('demo_button', { from: 'panel' });
  });
  byId('toggle-optout').addEventListener('click', function () {
    if (pulse.isOptedOut()) {
      pulse.optIn();
      if (pref(prefs.tracking, 'on') === 'on') pulse.start();
    } else {
      pulse.optOut();
    }
    render();
  });

  pulse.setMouseTracking(pref(prefs.mouse, 'off') === 'on');
  if (pref(prefs.tracking, 'on') === 'on') pulse.start();
  render();
  setInterval(render, 500);
})();
