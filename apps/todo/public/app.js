/*
 * The ToDo demo page: TodoMVC on the Snorky client SDK, no framework.
 *
 * Data flow: every action is a REST call; nothing changes on screen until the server's delta
 * arrives through DataSync — the same path another window's changes take, so all windows show
 * the same thing. On load (and after a reconnect) the page asks for the list with
 * `X-Snorky: Subscribe`, fills its array with the answer and acquires the token it got.
 *
 * Presence: each window has a name (`?user=ann`, else a guest name kept for the tab) that the
 * server's authenticator turns into the connection's identity. The window joins the list's Chat
 * channel (who is here) and its Cursors document: editing a todo puts an own cursor on it, so the
 * other windows show who edits which todo.
 */
(function () {
  'use strict';

  var RETRY_MS = 1000;
  var ENTER = 'Enter';
  var ESCAPE = 'Escape';

  var list = new URLSearchParams(location.search).get('list') || 'default';
  var api = '/api/todos';
  var listParam = '?list=' + encodeURIComponent(list);

  var $ = function (selector) { return document.querySelector(selector); };
  var ui = {
    newTodo: $('.new-todo'),
    main: $('.main'),
    toggleAll: $('.toggle-all'),
    todoList: $('.todo-list'),
    footer: $('.footer'),
    count: $('.todo-count'),
    clearCompleted: $('.clear-completed'),
    filters: document.querySelectorAll('.filters a'),
    listName: $('.list-name'),
    connection: $('.connection'),
    problem: $('.problem'),
    presence: $('.presence'),
    who: $('.presence .who'),
  };
  ui.listName.textContent = list;
  ui.listName.href = listParam;
  document.title = (list === 'default' ? '' : list + ' • ') + document.title;

  // ---- state, kept in sync by DataSync ---------------------------------------------------

  var todos = [];
  var processor = new Snorky.CollectionDeltaProcessor({ Todo: new Snorky.ArrayCollection(todos) });
  var user = visitorName();
  var wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?user=' + encodeURIComponent(user);
  var snorky = new Snorky(
    wsUrl,
    { datasync: Snorky.DataSync, chat: Snorky.Chat, cursors: Snorky.Cursors },
    { reconnect: { initialDelay: 300, maxDelay: 3000 } },
  );
  var datasync = snorky.services.datasync;
  var editingId = null;

  // One render per transaction: a batch is applied whole, and a batch already applied is ignored.
  processor.listenTo(datasync);
  datasync.batchReceived.add(render);

  // ---- subscription: fetch + acquire; after a reconnect the SDK resumes it (refetch only when told) ---

  var generation = 0; // a newer refresh makes older ones moot
  var synced = false;
  var activeToken = null;
  var retryTimer = null;

  function refresh() {
    var mine = ++generation;
    clearTimeout(retryTimer);
    synced = false;
    showConnection();
    var token;
    fetch(api + listParam, { headers: { 'X-Snorky': 'Subscribe' }, cache: 'no-store' })
      .then(function (res) {
        if (res.status >= 400 && res.status < 500) {
          // Our request is wrong (e.g. a bad list name): retrying will not help, saying why will.
          return res.json().then(function (error) {
            var refused = new Error(error.message || 'HTTP ' + res.status);
            refused.permanent = true;
            throw refused;
          });
        }
        if (!res.ok) throw new Error('loading the list failed: HTTP ' + res.status);
        token = res.headers.get('X-Subscription-Token');
        if (!token) throw new Error('the server sent no subscription token');
        return res.json();
      })
      .then(function (data) {
        if (mine !== generation) return;
        todos.splice.apply(todos, [0, todos.length].concat(data));
        render();
        // Deltas that happened since the server authorized the token arrive first, then live ones.
        return datasync.acquireSubscription({ token: token }).then(function () {
          if (mine !== generation) {
            datasync.cancelSubscription({ token: token }).catch(function () {});
            return;
          }
          if (activeToken && activeToken !== token) datasync.cancelSubscription({ token: activeToken }).catch(function () {});
          activeToken = token;
          synced = true;
          showConnection();
        });
      })
      .catch(function (error) {
        if (mine !== generation) return;
        // A socket dropped mid-acquisition reports the subscription lost on reconnect, which
        // refreshes; anything else (server down, token expired) is retried here.
        if (error && error.name === 'ConnectionLostError') return;
        if (error && error.permanent) {
          showProblem(error.message);
          return;
        }
        retryTimer = setTimeout(function () { if (mine === generation) refresh(); }, RETRY_MS);
      });
  }

  datasync.subscriptionLost.add(function (event) {
    if (event.token === activeToken) activeToken = null;
    refresh();
  });
  // Resumed after a reconnect: what was missed has been applied; in sync again without a refetch.
  datasync.subscriptionResumed.add(function (event) {
    if (event.token !== activeToken) return;
    synced = true;
    showConnection();
  });

  // ---- connection indicator -------------------------------------------------------------

  var everConnected = false;
  snorky.connected.add(function () { everConnected = true; showConnection(); });
  // Not in sync while the socket is down: until the subscription is resumed (or refetched).
  snorky.disconnected.add(function () { synced = false; showConnection(); });
  snorky.reconnecting.add(showConnection);

  function showConnection() {
    var state;
    if (snorky.isConnected && synced) state = 'connected';
    else if (everConnected || snorky.state === 'reconnecting') state = 'reconnecting';
    else state = 'connecting';
    if (snorky.state === 'closed') state = 'offline';
    ui.connection.dataset.state = state;
    ui.connection.textContent = state;
  }

  // ---- presence: who is here (Chat) and who edits which todo (Cursors) -------------------

  function visitorName() {
    var given = new URLSearchParams(location.search).get('user');
    if (given) return given;
    var guest = 'guest-' + Math.floor(1000 + Math.random() * 9000);
    try {
      // One name per tab across reloads. Storage may be refused (e.g. in a sandboxed frame): then one per load.
      var kept = sessionStorage.getItem('snorky-todo-user');
      if (kept) return kept;
      sessionStorage.setItem('snorky-todo-user', guest);
    } catch (e) {
      // no storage: fine
    }
    return guest;
  }

  var room = 'todos:' + list; // the Chat channel and the Cursors document of this list
  var chat = snorky.services.chat;
  var cursorsService = snorky.services.cursors;
  var cursorDocument = null;
  var editingCursor = null;

  function renderPresence() {
    var members = chat.members(room);
    ui.presence.hidden = members.length === 0;
    ui.who.innerHTML = '';
    members
      .map(function (member) { return member.name; })
      .sort()
      .forEach(function (name) {
        var badge = document.createElement('span');
        badge.className = 'member' + (name === user ? ' me' : '');
        badge.textContent = name === user ? name + ' (you)' : name;
        ui.who.appendChild(badge);
      });
  }

  function renderEditors() {
    var editorsByTodo = new Map();
    (cursorDocument ? cursorDocument.foreignCursors : []).forEach(function (cursor) {
      var id = cursor.position && cursor.position.todo;
      if (!editorsByTodo.has(id)) editorsByTodo.set(id, []);
      editorsByTodo.get(id).push(cursor.owner.name);
    });
    itemsById.forEach(function (li, id) {
      var names = editorsByTodo.get(id) || [];
      var box = li.querySelector('.editors');
      li.classList.toggle('being-edited', names.length > 0);
      box.innerHTML = '';
      names.sort().forEach(function (name) {
        var badge = document.createElement('span');
        badge.textContent = name + ' is editing';
        box.appendChild(badge);
      });
    });
  }

  chat.presenceChanged.add(renderPresence);
  chat.channelsRestored.add(renderPresence);
  chat.join({ channel: room }).then(renderPresence, function (error) { console.warn('presence is off: ' + error.message); });

  cursorsService.join({ document: room }).then(function (doc) {
    cursorDocument = doc;
    [doc.cursorAdded, doc.cursorUpdated, doc.cursorRemoved].forEach(function (signal) { signal.add(renderEditors); });
    renderEditors();
  }, function (error) { console.warn('live cursors are off: ' + error.message); });
  cursorsService.documentsRestored.add(renderEditors);

  function startedEditing(id) {
    if (!cursorDocument) return;
    if (editingCursor) editingCursor.update({ position: { todo: id } });
    else editingCursor = cursorDocument.createCursor({ position: { todo: id }, status: 'editing' });
  }

  function stoppedEditing() {
    if (!editingCursor) return;
    editingCursor.remove().catch(function () {});
    editingCursor = null;
  }

  // ---- rendering: keyed, so an open editor survives other windows' changes ---------------

  var itemsById = new Map();

  function filterName() {
    var route = location.hash.replace(/^#\/?/, '');
    return route === 'active' || route === 'completed' ? route : 'all';
  }

  function render() {
    var filter = filterName();
    var sorted = todos.slice().sort(function (a, b) { return a.id - b.id; });
    var visible = sorted.filter(function (todo) {
      return filter === 'all' || (filter === 'completed') === Boolean(todo.completed);
    });
    var seen = new Set();
    visible.forEach(function (todo, index) {
      seen.add(todo.id);
      var li = itemsById.get(todo.id) || createItem(todo.id);
      updateItem(li, todo);
      if (ui.todoList.children[index] !== li) ui.todoList.insertBefore(li, ui.todoList.children[index] || null);
    });
    itemsById.forEach(function (li, id) {
      if (seen.has(id)) return;
      if (id === editingId) {
        editingId = null;
        stoppedEditing();
      }
      li.remove();
      itemsById.delete(id);
    });
    renderEditors();

    var active = sorted.filter(function (todo) { return !todo.completed; }).length;
    var completed = sorted.length - active;
    ui.main.hidden = sorted.length === 0;
    ui.footer.hidden = sorted.length === 0;
    ui.toggleAll.checked = sorted.length > 0 && active === 0;
    ui.count.innerHTML = '<strong>' + active + '</strong> ' + (active === 1 ? 'item' : 'items') + ' left';
    ui.clearCompleted.hidden = completed === 0;
    ui.filters.forEach(function (a) {
      a.classList.toggle('selected', a.getAttribute('href') === (filter === 'all' ? '#/' : '#/' + filter));
    });
  }

  function createItem(id) {
    var li = document.createElement('li');
    li.dataset.id = String(id);
    li.innerHTML =
      '<div class="view"><input class="toggle" type="checkbox"><label></label><span class="editors"></span><button class="destroy" aria-label="Delete"></button></div>' +
      '<input class="edit">';
    itemsById.set(id, li);
    return li;
  }

  function updateItem(li, todo) {
    li.classList.toggle('completed', Boolean(todo.completed));
    li.querySelector('.toggle').checked = Boolean(todo.completed);
    var label = li.querySelector('label');
    if (label.textContent !== todo.title) label.textContent = todo.title;
  }

  // ---- actions: REST calls; the screen changes when the delta comes back -----------------

  function request(method, path, body) {
    var sep = path.indexOf('?') === -1 ? '?' : '&';
    var url = api + path + sep + listParam.slice(1);
    var init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      if (res.ok) { showProblem(null); return; }
      return res.json().then(
        function (error) { showProblem(error.message || 'HTTP ' + res.status); },
        function () { showProblem('HTTP ' + res.status); },
      );
    }, function () {
      showProblem('The server is not reachable; try again in a moment.');
    });
  }

  function showProblem(text) {
    // A refused change leaves the screen as the server has it (e.g. a checkbox clicked in vain).
    if (text) render();
    ui.problem.hidden = !text;
    ui.problem.textContent = text || '';
  }

  function todoOf(element) {
    var li = element.closest('li');
    return li ? { li: li, id: Number(li.dataset.id) } : null;
  }

  ui.newTodo.addEventListener('keydown', function (event) {
    if (event.key !== ENTER) return;
    var title = ui.newTodo.value.trim();
    if (!title) return;
    ui.newTodo.value = '';
    request('POST', '', { title: title });
  });

  ui.toggleAll.addEventListener('change', function () {
    request('POST', '/toggle-all', { completed: ui.toggleAll.checked });
  });

  ui.clearCompleted.addEventListener('click', function () {
    request('POST', '/clear-completed');
  });

  ui.todoList.addEventListener('change', function (event) {
    if (!event.target.classList.contains('toggle')) return;
    var item = todoOf(event.target);
    request('PATCH', '/' + item.id, { completed: event.target.checked });
  });

  ui.todoList.addEventListener('click', function (event) {
    if (!event.target.classList.contains('destroy')) return;
    request('DELETE', '/' + todoOf(event.target).id);
  });

  ui.todoList.addEventListener('dblclick', function (event) {
    if (event.target.tagName !== 'LABEL') return;
    var item = todoOf(event.target);
    var edit = item.li.querySelector('.edit');
    editingId = item.id;
    item.li.classList.add('editing');
    edit.value = event.target.textContent;
    edit.focus();
    edit.setSelectionRange(edit.value.length, edit.value.length);
    startedEditing(item.id);
  });

  function finishEditing(edit, save) {
    var item = todoOf(edit);
    if (!item || !item.li.classList.contains('editing')) return;
    item.li.classList.remove('editing');
    editingId = null;
    stoppedEditing();
    if (!save) return;
    var title = edit.value.trim();
    var current = item.li.querySelector('label').textContent;
    if (!title) request('DELETE', '/' + item.id);
    else if (title !== current) request('PATCH', '/' + item.id, { title: title });
  }

  ui.todoList.addEventListener('keydown', function (event) {
    if (!event.target.classList.contains('edit')) return;
    if (event.key === ENTER) finishEditing(event.target, true);
    else if (event.key === ESCAPE) finishEditing(event.target, false);
  });

  // blur does not bubble; focusout does.
  ui.todoList.addEventListener('focusout', function (event) {
    if (event.target.classList.contains('edit')) finishEditing(event.target, true);
  });

  window.addEventListener('hashchange', render);

  // For tests and the curious: the live array and the connection.
  window.todoApp = { todos: todos, snorky: snorky, list: list, user: user, refresh: refresh };

  render();
  refresh();
})();
