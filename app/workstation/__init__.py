"""The workstation: what happens between a key and the server, with no widget of its own.

How a key becomes a command, a write and a sync:

1. A key (or a pedal, or a menu item) triggers a QAction that app/ui/actions.py made from the
   one keymap (app/keymap.py); the action calls its command's handler from the mode's table
   (modes.py: local, annotate, review; the handlers are in commands.py and review_controls.py).
2. A handler changes the open annotation only through the editor (editor.py): one edit, one
   undo step. The editor hands the write (the annotation and its outbox row, in one
   transaction) to the single writer thread (tasks.py, QtRunner.write) and the window shows
   "Saved" only once that has committed.
3. On a server's project, server_sync.py runs sync passes (sync/engine.py, or sync/review.py in
   review mode) on a worker. A pass is queued behind every write handed to the writer before
   it (QtRunner.after_writes), so a submit's pass always finds the submit committed in the
   outbox and sends it.
4. What a pass brings (the queue, review notes, conflicts) comes back to the GUI thread, goes
   to the editor, and the window draws it (controller.py redraws on the editor's changes).

The widgets (app/ui) never import from here: the controller and the feeds (recordings,
spectrogram, word alignment, local drafts) tell them what to show through their own methods,
and they tell us what the person asked for through their signals.
"""
