"""Notifications: what the platform tells a user happened (in the app and by e-mail).

A notification stores a kind, the recipient and *facts* (codes, numbers, references to records),
never a rendered sentence: its text is the kind's gettext template filled in the reader's language
when it is shown or mailed. Apps announce events through ``services.announce``; delivery (in-app rows
and e-mails, as each recipient chose) runs in a background job, never in the request.
"""
