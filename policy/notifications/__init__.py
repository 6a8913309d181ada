"""Notifications: a message to one person in the app (and by e-mail), and the alerts that send
them. A small app of its own (label ``notifications``) so it can grow into the full inbox
(unread counts, an API, per-person e-mail opt-out) without touching the program's models.

- ``models.Notification``: recipient, kind, title, body, link, read_at, created_at.
- ``services.notification_send``: the one way to notify people; it stores the rows and mails
  each recipient who has an address (through a task, after commit).
- ``alerts``: who is told what when something fails (a source failing twice in a row, a
  briefing that failed for good).
"""
