/* The phone's store (IndexedDB, through the vendored idb wrapper): used by the pages and
   by the service worker alike (docs/offline.md).

   drafts  one half-filled form per officer and household, key "<user>:<household>"
   outbox  what waits to be sent, key = its Idempotency-Key
   meta    "download" (when the officer's pages were last kept), "user" (who used it) */
(function (root) {
  "use strict";
  var STORES = ["drafts", "outbox", "meta"];
  var opened = null;

  function db() {
    if (!opened) {
      opened = root.idb.openDB("shouwang", 1, {
        upgrade: function (database) {
          database.createObjectStore("drafts");
          database.createObjectStore("outbox", { keyPath: "id" });
          database.createObjectStore("meta");
        }
      });
    }
    return opened;
  }

  root.shouwangStore = {
    get: function (store, key) { return db().then(function (d) { return d.get(store, key); }); },
    all: function (store) { return db().then(function (d) { return d.getAll(store); }); },
    put: function (store, value, key) {
      return db().then(function (d) { return key === undefined ? d.put(store, value) : d.put(store, value, key); });
    },
    /* Change a stored value in one transaction, only if it is still there (another tab
       or the worker may have sent and removed it meanwhile); resolves to the new value
       or undefined. */
    update: function (store, key, change) {
      return db().then(function (d) {
        var tx = d.transaction(store, "readwrite");
        return tx.store.get(key).then(function (value) {
          if (value === undefined) { return tx.done.then(function () { return undefined; }); }
          var changed = change(value);
          return tx.store.put(changed).then(function () { return tx.done; }).then(function () { return changed; });
        });
      });
    },
    remove: function (store, key) { return db().then(function (d) { return d.delete(store, key); }); },
    /* Logging out: nothing of the officer's stays on the phone. */
    wipe: function () {
      return db().then(function (d) {
        return Promise.all(STORES.map(function (store) { return d.clear(store); }));
      });
    }
  };
}(self));
